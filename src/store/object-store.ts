import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { LifeboatError, redact, type ErrorCode } from '../errors/index.ts';

/** One object in a bucket/container/folder. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface PutOptions {
  contentType?: string;
  /** Known length in bytes, when the caller has it (lets providers skip multipart for small bodies). */
  size?: number;
  /** Abort the upload; the object must then not exist (no partial object is ever visible). */
  signal?: AbortSignal;
  /**
   * `'*'`: create only. The write succeeds only if no object exists at the key when it lands
   * (S3 `If-None-Match: *`, Azure `If-None-Match: *`, a hard link on the filesystem); otherwise it
   * fails with ALREADY_EXISTS (`details.precondition === true`) and the existing object is untouched.
   */
  ifNoneMatch?: '*';
}

/**
 * THE port every storage provider implements (DESIGN.md §2.8). Keys are full object keys inside the
 * location's bucket/container/root folder (the location prefix is applied by store/layout.ts).
 * Errors are LifeboatErrors with code NOT_FOUND, UNAUTHENTICATED, FORBIDDEN, UNREACHABLE, TIMEOUT,
 * CONFLICT, ALREADY_EXISTS (a create-only put found the key taken) or OPERATION_FAILED, and `details.transient === true` when a retry may succeed.
 */
export interface ObjectStore {
  /** Where this store points, for messages: e.g. "s3://bucket (http://127.0.0.1:9000)". Never holds secrets. */
  readonly description: string;
  /**
   * True when a create-only put (`ifNoneMatch: '*'`) is checked atomically with the write, so of two
   * concurrent creators exactly one succeeds: the filesystem (a hard link), memory and Azure Blob.
   * S3-compatible servers differ (versitygw 1.7 checks before it writes), so S3 says false and a
   * backup's name claim is read back after a pause (see backup-claim.ts).
   */
  readonly atomicCreate: boolean;
  /** Streams the body to the store; for large bodies a multipart/block upload; memory stays bounded. */
  put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void>;
  /** The object's bytes as a stream. NOT_FOUND if absent. */
  get(key: string): Promise<Readable>;
  /**
   * Exactly `length` bytes of the object from byte `offset`. NOT_FOUND if absent; a range that does
   * not lie inside the object is a CORRUPT error (rangeOutsideObject); a bad offset or length is USAGE.
   * With `into` (at least `length` bytes), the bytes are read into its first `length` bytes and the
   * answer is that view of it: memory a caller uses again, instead of a fresh buffer per read. A
   * store may ignore `into` and answer a buffer of its own; `into`'s bytes are then unspecified.
   */
  getRange(key: string, offset: number, length: number, into?: Buffer): Promise<Buffer>;
  /** Object metadata, or undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with prefix, in key order, across all pages. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** The "folders" directly under prefix (ending in the delimiter), e.g. "backups/" → ["backups/b1/", …]. */
  listCommonPrefixes(prefix: string, delimiter?: string): Promise<string[]>;
  /** Deletes the object; deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Releases sockets and clients. */
  close(): Promise<void>;
}

/** What a provider made of one of its SDK's errors. */
export interface ClassifiedStoreError {
  code: ErrorCode;
  transient: boolean;
  hint?: string;
  /** Replaces the default "<operation> <key> in <store> failed". */
  what?: string;
}

/**
 * The LifeboatError every provider raises: what failed, in which store, and the SDK's reason with any
 * credential redacted; `details.transient` tells the retrying store whether to try again.
 */
export function storeError(
  err: unknown,
  c: ClassifiedStoreError,
  ctx: { operation: string; key: string; description: string },
  reason: string,
): LifeboatError {
  const what =
    c.what ?? `${ctx.operation} ${ctx.key === '' ? '' : `${ctx.key} `}in ${ctx.description} failed`;
  return new LifeboatError(c.code, `${what}: ${redact(reason)}`, {
    cause: err,
    hint: c.hint,
    details: {
      transient: c.transient,
      key: ctx.key,
      operation: ctx.operation,
      precondition: c.code === 'ALREADY_EXISTS' ? true : undefined,
    },
  });
}

/** The error of a create-only put (`ifNoneMatch: '*'`) that found an object at its key. */
export function alreadyExists(key: string, description: string, cause?: unknown): LifeboatError {
  return new LifeboatError('ALREADY_EXISTS', `object ${key} already exists in ${description}`, {
    cause,
    hint: 'another writer created it first; it was left untouched',
    details: { transient: false, key, precondition: true },
  });
}

/** Checks a requested range before any I/O: whole non-negative numbers. */
export function checkRange(key: string, offset: number, length: number, description: string): void {
  if (Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0) return;
  throw new LifeboatError(
    'USAGE',
    `range ${offset}+${length} of ${key} in ${description} is not a valid byte range`,
    { details: { transient: false, key, offset, length } },
  );
}

/**
 * An empty range read (`length` 0) where a ranged request would be refused: the object must exist
 * (`head` answers it) and hold `offset`; the answer is no bytes.
 */
export async function emptyRange(
  head: (key: string) => Promise<ObjectInfo | undefined>,
  key: string,
  offset: number,
  description: string,
): Promise<Buffer> {
  const info = await head(key);
  if (info === undefined) throw objectNotFound(key, description);
  if (offset > info.size) throw rangeOutsideObject(key, description, { offset, length: 0 }, info.size);
  return Buffer.alloc(0);
}

/**
 * The error of a range read whose range does not lie inside the object: CORRUPT, since a caller asks
 * for a range it was told exists (an index entry that points past the end of its pack).
 */
export function rangeOutsideObject(
  key: string,
  description: string,
  range: { offset: number; length: number },
  size?: number,
): LifeboatError {
  const held = size === undefined ? 'is shorter' : `holds ${size} bytes`;
  return new LifeboatError(
    'CORRUPT',
    `object ${key} in ${description} ${held}: bytes ${range.offset}+${range.length} lie past its end`,
    {
      hint: 'the object is shorter than whatever points into it expects; it may be truncated or replaced',
      details: { transient: false, key, offset: range.offset, length: range.length, size, outOfRange: true },
    },
  );
}

/** The NOT_FOUND error of a read of an absent object. */
export function objectNotFound(key: string, description: string, cause?: unknown): LifeboatError {
  return new LifeboatError('NOT_FOUND', `object ${key} not found in ${description}`, {
    cause,
    details: { transient: false, key },
  });
}

/** The first `length` bytes of `into` when it has room, else a fresh buffer of `length` bytes. */
export function rangeBuffer(length: number, into: Buffer | undefined): Buffer {
  return into !== undefined && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
}

/**
 * Reads exactly `length` bytes of a response body into one buffer (`into`'s first bytes when it has
 * room); false when it holds more or fewer (the caller then reports the range as outside the
 * object). Copies each chunk as it arrives, from the stream's own 'data' events: an async
 * iterator's promise per chunk cost more CPU than the bytes themselves on a restore's thousands of
 * ranged reads, and memory used again is not faulted in afresh for every read.
 */
export async function readExactly(
  body: NodeJS.ReadableStream,
  length: number,
  into?: Buffer,
): Promise<Buffer | false> {
  const out = rangeBuffer(length, into);
  let filled = 0;
  let overflow = false;
  const ended = finished(body);
  const take = (chunk: Uint8Array) => {
    if (filled + chunk.length > length) {
      overflow = true;
      body.removeListener('data', take);
      (body as Partial<Pick<Readable, 'destroy'>>).destroy?.();
      return;
    }
    out.set(chunk, filled);
    filled += chunk.length;
  };
  body.on('data', take);
  try {
    await ended;
  } catch (err) {
    if (!overflow) throw err;
  }
  return !overflow && filled === length ? out : false;
}

/** The object's total size from a Content-Range header ("bytes 0-9/1234" → 1234). */
export function sizeFromContentRange(contentRange: string | undefined): number | undefined {
  const total = contentRange?.split('/')[1];
  return total === undefined || !/^\d+$/.test(total) ? undefined : Number(total);
}

/** True when err is the failed precondition of a create-only put. */
export function isAlreadyExists(err: unknown): boolean {
  return (
    err instanceof LifeboatError && err.code === 'ALREADY_EXISTS' && err.details?.['precondition'] === true
  );
}
