import { LifeboatError, redact, type ErrorCode } from '../../../errors/index.ts';
import { nullObject } from '../../../model/index.ts';

const CODES: Record<string, { code: ErrorCode; transient: boolean; hint: string }> = nullObject({
  ENOENT: { code: 'NOT_FOUND', transient: false, hint: 'check the path, or create the folder first' },
  EACCES: {
    code: 'FORBIDDEN',
    transient: false,
    hint: 'give the user running lifeboat read and write access to the folder',
  },
  EPERM: {
    code: 'FORBIDDEN',
    transient: false,
    hint: 'give the user running lifeboat read and write access to the folder',
  },
  EROFS: { code: 'FORBIDDEN', transient: false, hint: 'the filesystem is read-only; choose another folder' },
  ENOSPC: { code: 'OPERATION_FAILED', transient: false, hint: 'free some disk space and try again' },
  EMFILE: { code: 'OPERATION_FAILED', transient: true, hint: 'raise the open-file limit (ulimit -n)' },
  EBUSY: { code: 'OPERATION_FAILED', transient: true, hint: 'try again in a moment' },
  EAGAIN: { code: 'OPERATION_FAILED', transient: true, hint: 'try again in a moment' },
  EIO: { code: 'OPERATION_FAILED', transient: true, hint: 'check the disk or network mount' },
});

/** Maps a Node fs error to a LifeboatError naming the operation, key and store. */
export function classifyFsError(
  err: unknown,
  operation: string,
  key: string,
  description: string,
): LifeboatError {
  if (err instanceof LifeboatError) return err;
  if (isAbort(err)) {
    return new LifeboatError('INTERRUPTED', `${operation} ${key} in ${description} was aborted`, {
      cause: err,
      details: { transient: false, key },
    });
  }
  const fsCode = (err as { code?: unknown }).code;
  const known = typeof fsCode === 'string' ? CODES[fsCode] : undefined;
  const reason = redact(err instanceof Error ? err.message : String(err));
  const code = known?.code ?? 'OPERATION_FAILED';
  const message =
    code === 'NOT_FOUND'
      ? `object ${key} not found in ${description}`
      : `${operation} ${key} in ${description} failed: ${reason}`;
  return new LifeboatError(code, message, {
    cause: err,
    hint: known?.hint,
    details: { transient: known?.transient ?? false, key },
  });
}

export function isAbort(err: unknown): boolean {
  return (
    err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR')
  );
}
