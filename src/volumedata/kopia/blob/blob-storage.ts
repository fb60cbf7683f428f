import { LifeboatError } from '../../../errors/index.ts';

/** One blob of a kopia repository as a listing shows it. */
export interface BlobMetadata {
  id: string;
  length: number;
  timestamp: Date;
}

/**
 * Kopia's blob storage: named immutable byte strings under a repository's root (flat keys on S3 and
 * Azure, sharded files on the filesystem). Blob IDs are checked by assertBlobId before any I/O.
 */
export interface BlobStorage {
  /** Where the blobs live, for messages; never holds secrets. */
  readonly description: string;
  /**
   * The blob's bytes, or exactly the range asked for, in a buffer the caller owns (it may write
   * over it): the range's `into` when given and used (ObjectStore.getRange). NOT_FOUND when absent;
   * a range past the end is CORRUPT.
   */
  getBlob(id: string, range?: { offset: number; length: number; into?: Buffer }): Promise<Buffer>;
  /** Writes the blob; with ifNotExists a blob already there is ALREADY_EXISTS and stays untouched. */
  putBlob(id: string, data: Buffer, options?: { ifNotExists?: boolean }): Promise<void>;
  /** Every blob whose ID starts with prefix (in no promised order). */
  listBlobs(prefix: string): AsyncIterable<BlobMetadata>;
  /** Deletes the blob; an absent blob is not an error. */
  deleteBlob(id: string): Promise<void>;
}

/** The longest blob ID accepted: a file name with kopia's ".f" suffix stays within 255 bytes. */
export const MAX_BLOB_ID_LENGTH = 250;

/** Kopia's blob IDs: letters, digits, "_", "-" and "." ("kopia.repository", "xn0_…-c1", "_log_…"). */
const BLOB_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** True when id is a blob ID lifeboat reads and writes: kopia's characters, no path, no leading dot. */
export function isBlobId(id: string): boolean {
  return id.length <= MAX_BLOB_ID_LENGTH && BLOB_ID.test(id) && !id.includes('..');
}

/** Checks a blob ID (or a listing prefix, which may be empty) before it becomes a key or a path. */
export function assertBlobId(id: string, where: string, options: { prefix?: boolean } = {}): void {
  if ((options.prefix === true && id === '') || isBlobId(id)) return;
  throw new LifeboatError('USAGE', `'${id.slice(0, 80)}' is not a valid kopia blob ID in ${where}`, {
    hint: 'kopia blob IDs are letters, digits, "_", "-" and "." and never a path',
    details: { blobId: id.slice(0, 80) },
  });
}

/** The NOT_FOUND error of an absent blob. */
export function blobNotFound(id: string, where: string, cause?: unknown): LifeboatError {
  return new LifeboatError('NOT_FOUND', `blob ${id} not found in ${where}`, {
    cause,
    details: { transient: false, blobId: id },
  });
}

/** Collects a stream's chunks into one buffer. */
export async function readAll(body: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks);
}
