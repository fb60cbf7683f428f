import { Option, type Command } from 'commander';
import type * as LogModule from '../log/index.ts';
import type { LevelWithSilent } from 'pino';

const LOG_FORMATS: readonly LogModule.LogFormat[] = ['text', 'json'];
const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * The logging module (pino and its streams), loaded before a command runs (the preAction hook below):
 * `--version` and `--help`, which log nothing, never load it.
 */
let log: typeof LogModule | undefined;

/** Options every command understands; they sit on the root program. */
export interface GlobalOptions {
  debug: boolean;
  logFormat: LogModule.LogFormat;
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
      log ??= await import('../log/index.ts');
      // Text logs need their printer loaded before a command makes its (synchronous) logger.
      if (globalOptions(action).logFormat === 'text') await log.loadTextFormat();
    });
}

export function globalOptions(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals<{
    debug: boolean;
    logFormat: LogModule.LogFormat;
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

/** The command's logger; only in a command's action (the logging module is loaded before it runs). */
export function loggerFor(command: Command): LogModule.Logger {
  if (log === undefined) throw new Error('loggerFor: the logging module is loaded before a command runs');
  const g = globalOptions(command);
  return log.createLogger({ format: g.logFormat, level: g.logLevel });
}
