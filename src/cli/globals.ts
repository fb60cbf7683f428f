import { Option, type Command } from 'commander';
import {
  createLogger,
  loadTextFormat,
  LOG_FORMATS,
  LOG_LEVELS,
  type Logger,
  type LogFormat,
} from '../log/index.ts';
import type { LevelWithSilent } from 'pino';

/** Options every command understands; they sit on the root program. */
export interface GlobalOptions {
  debug: boolean;
  logFormat: LogFormat;
  logLevel: LevelWithSilent;
  config: string | undefined;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(
      new Option(
        '--config <file>',
        'config file (default: $LIFEBOAT_CONFIG or ~/.config/lifeboat/config.yaml)',
      ),
    )
    .addOption(
      new Option('--log-format <format>', 'log format: text for people, json for machines')
        .choices(LOG_FORMATS)
        .default(process.stderr.isTTY ? 'text' : 'json', 'text on a terminal, else json'),
    )
    .addOption(
      new Option(
        '--log-level <level>',
        'log level on the terminal (backup and restore logs are always stored at info)',
      )
        .choices(LOG_LEVELS)
        .default('warn'),
    )
    .addOption(new Option('--debug', 'show stack traces and debug logs').default(false))
    .hook('preAction', async (_program, action) => {
      // Text logs need their printer loaded before a command makes its (synchronous) logger.
      if (globalOptions(action).logFormat === 'text') await loadTextFormat();
    });
}

export function globalOptions(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals<{
    debug: boolean;
    logFormat: LogFormat;
    logLevel: LevelWithSilent;
    config?: string;
  }>();
  return {
    debug: opts.debug,
    logFormat: opts.logFormat,
    logLevel: opts.debug ? 'debug' : opts.logLevel,
    config: opts.config ?? process.env['LIFEBOAT_CONFIG'],
  };
}

export function loggerFor(command: Command): Logger {
  const g = globalOptions(command);
  return createLogger({ format: g.logFormat, level: g.logLevel });
}
