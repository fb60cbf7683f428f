import { ExitCode, exitCodeFor, isLifeboatError } from './lifeboat-error.ts';
import { redact } from './redact.ts';

export interface ErrorReport {
  exitCode: ExitCode;
  code: string;
  message: string;
  hint: string | undefined;
  /** Lines to print to stderr, already redacted. */
  lines: string[];
}

/** The one mapping from any thrown value to what the operator reads and the exit code. */
export function reportError(err: unknown, options: { debug: boolean }): ErrorReport {
  if (isLifeboatError(err)) {
    const message = redact(err.message);
    const hint = err.hint === undefined ? undefined : redact(err.hint);
    const lines = [`Error: ${message}`];
    const cause = describeCause(err.cause);
    if (cause !== undefined && !message.includes(cause)) lines.push(`  cause: ${cause}`);
    if (hint !== undefined) lines.push(`  hint: ${hint}`);
    if (options.debug && err.stack !== undefined) lines.push(redact(stackOf(err)));
    return { exitCode: exitCodeFor(err.code), code: err.code, message, hint, lines };
  }
  const message = redact(err instanceof Error ? err.message : String(err));
  const hint = options.debug
    ? 'please report it with the stack trace above'
    : 'run again with --debug for the stack trace, and please report it';
  const lines = [`Error: unexpected failure (this is a bug): ${message}`];
  if (options.debug) lines.push(redact(err instanceof Error ? stackOf(err) : String(err)));
  lines.push(`  hint: ${hint}`);
  return { exitCode: ExitCode.failed, code: 'INTERNAL', message, hint, lines };
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    const prefix = typeof code === 'string' && !cause.message.includes(code) ? `${code}: ` : '';
    return redact(prefix + cause.message);
  }
  if (typeof cause === 'string') return redact(cause);
  try {
    return redact(JSON.stringify(cause) ?? typeof cause);
  } catch {
    return typeof cause;
  }
}

function stackOf(err: Error): string {
  let out = err.stack ?? String(err);
  let cause: unknown = err.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    out += `\nCaused by: ${cause.stack ?? cause.message}`;
    cause = cause.cause;
  }
  return out;
}
