import {
  pino,
  type DestinationStream,
  type Logger,
  type LevelWithSilent,
  type LoggerOptions as LoggerOptionsOfPino,
} from 'pino';
import type { PinoPretty } from 'pino-pretty';
import { redact } from '../errors/index.ts';

export type { Logger } from 'pino';
export type LogFormat = 'text' | 'json';

export interface LoggerOptions {
  format: LogFormat;
  level: LevelWithSilent;
  /** Where log lines go; stderr by default (stdout carries command output). */
  destination?: DestinationStream;
  colorize?: boolean;
}

/** Keys whose values are credentials or Secret data, wherever they appear in a log record. */
const REDACT_PATHS = [
  'password',
  'secretAccessKey',
  'accessKeyId',
  'sessionToken',
  'accountKey',
  'connectionString',
  'sasToken',
  'token',
  'authorization',
  'headers.authorization',
  '*.password',
  '*.secretAccessKey',
  '*.accountKey',
  '*.connectionString',
  '*.sasToken',
  '*.token',
  'data',
  'stringData',
  '*.data',
  '*.stringData',
];

let pretty: typeof PinoPretty | undefined;

/**
 * Loads the text format's printer (pino-pretty), which JSON logs never need: once, before the first
 * text logger is made — the CLI does it before running a command that logs as text.
 */
export async function loadTextFormat(): Promise<void> {
  pretty ??= (await import('pino-pretty')).default;
}

/**
 * The root logger. Text is pretty-printed for people (default on a TTY); JSON is one record a
 * line for machines. Every message and error passes through redact() on its way out.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(loggerOptions(options.level), options.destination ?? stderrDestination(options));
}

function stderrDestination(options: LoggerOptions): DestinationStream {
  if (options.format === 'json') return pino.destination({ dest: 2, sync: true });
  if (pretty === undefined) throw new Error('text logs need loadTextFormat() first');
  return pretty({
    destination: 2,
    sync: true,
    colorize: options.colorize ?? process.stderr.isTTY,
    ignore: 'pid,hostname',
    translateTime: 'SYS:HH:MM:ss.l',
  });
}

/** Options every lifeboat logger shares: redaction of secrets in fields, messages and errors. */
export function loggerOptions(level: LevelWithSilent): LoggerOptionsOfPino {
  return {
    level,
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { err: serializeError },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((a) => (typeof a === 'string' ? redact(a) : a)) as typeof args;
        method.apply(this, redacted);
      },
    },
  };
}

interface SerializedError {
  type?: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: SerializedError;
}

function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { message: redact(String(err)) };
  const out: SerializedError = { type: err.name, message: redact(err.message) };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  if (err.stack !== undefined) out.stack = redact(err.stack);
  if (err.cause !== undefined) out.cause = serializeError(err.cause);
  return out;
}

/** A logger that drops everything, for library callers and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
