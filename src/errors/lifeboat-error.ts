/** Exit codes of the lifeboat command: one meaning each, stable for scripts. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  partiallyFailed: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * What went wrong, as a stable identifier. Each code maps to one exit code (see exitCodeFor);
 * scripts may match on the code printed with `-o json`.
 */
export const ErrorCodes = [
  'USAGE',
  'CONFIG',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'UNREACHABLE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'TIMEOUT',
  'CONFLICT',
  'CORRUPT',
  'INTEGRITY',
  'UNSUPPORTED',
  'INTERRUPTED',
  'OPERATION_FAILED',
  'PARTIALLY_FAILED',
  'DEPENDENCY_MISSING',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

export interface LifeboatErrorOptions {
  /** What the operator can do about it: one sentence, imperative. */
  hint?: string;
  /** The lower-level error, kept for `--debug` and logs. */
  cause?: unknown;
  /** Machine-readable details (resource names, keys); must never hold secrets. */
  details?: Record<string, unknown>;
}

/** An error lifeboat expects and can explain. Anything else reaching the top is a bug. */
export class LifeboatError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: LifeboatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LifeboatError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

export function isLifeboatError(err: unknown): err is LifeboatError {
  return err instanceof LifeboatError;
}

export function exitCodeFor(code: ErrorCode): ExitCode {
  switch (code) {
    case 'USAGE':
    case 'CONFIG':
      return ExitCode.usage;
    case 'PARTIALLY_FAILED':
      return ExitCode.partiallyFailed;
    default:
      return ExitCode.failed;
  }
}
