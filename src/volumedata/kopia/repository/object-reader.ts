// Objects: a direct object is one content (compressed at the object layer when its ID has `Z`); an
// indirect one (`I…`) is listed by an index object of one level less, whose JSON gives the byte
// ranges of its pieces. Large objects stream with a bounded number of contents in flight.
import { Readable } from 'node:stream';
import { lookahead } from '../../../concurrency/index.ts';
import { LifeboatError } from '../../../errors/index.ts';
import { decompress } from '../crypto/compression.ts';
import { decodeIndirect } from '../object/indirect.ts';
import { formatObjectId, indexObjectId, type ObjectId, parseObjectId } from '../object/object-id.ts';
import type { ContentLease } from './content-reader.ts';
import type { KopiaRepository } from './repository.ts';

/**
 * What reading objects needs from a repository; with getContentLease, objectChunks reads file
 * contents into reused buffers.
 */
export type ContentSource = Pick<KopiaRepository, 'getContent'> &
  Partial<Pick<KopiaRepository, 'getContentLease'>>;

const KEEP: () => void = () => undefined;

/** The largest direct object read whole without a known length (a chunk is at most a few MiB). */
export const MAX_DIRECT_OBJECT_BYTES = 128 << 20;
/** More pieces than any object holds (at 4 MiB a chunk, 64 TiB). */
export const MAX_OBJECT_PIECES = 1 << 24;
/** Contents one object stream has in flight by default. */
export const DEFAULT_READ_AHEAD = 3;

/** One content of an object: its bytes land at `start`; `length` is known from the index object. */
export interface ObjectPiece {
  readonly contentId: string;
  readonly compressed: boolean;
  readonly start: number;
  readonly length: number | undefined;
  /** The object the piece belongs to (the top-level one), for messages. */
  readonly objectId: string;
}

export interface ObjectReadOptions {
  /** Contents fetched ahead of the consumer (default 3): memory is about this many chunks. */
  readAhead?: number;
  signal?: AbortSignal;
  /** The object's length when known (a file's size): a direct object must have it exactly. */
  expectedLength?: number;
}

function parse(id: string | ObjectId, where: string): ObjectId {
  return typeof id === 'string' ? parseObjectId(id, where) : id;
}

function corrupt(objectId: string, why: string, cause?: unknown, contentId?: string): LifeboatError {
  return new LifeboatError('CORRUPT', `object ${objectId}: ${why}`, {
    hint: 'the repository is damaged; run `lifeboat repo verify` (or `kopia snapshot verify`) to see what is affected',
    cause,
    details: contentId === undefined ? { objectId } : { objectId, contentId },
  });
}

/** A content of an object, with a missing content reported at the object level. */
async function contentOf<T>(
  read: (contentId: string) => Promise<T>,
  contentId: string,
  objectId: string,
): Promise<T> {
  try {
    return await read(contentId);
  } catch (err) {
    if (err instanceof LifeboatError && err.code === 'NOT_FOUND') {
      throw corrupt(objectId, `content ${contentId} of object ${objectId} is missing`, err, contentId);
    }
    throw err;
  }
}

/** The bytes of one piece, decompressed when the object layer compressed it, checked against its length. */
export async function readPiece(
  repo: ContentSource,
  piece: ObjectPiece,
  cap = MAX_DIRECT_OBJECT_BYTES,
): Promise<Buffer> {
  let data = await contentOf((id) => repo.getContent(id), piece.contentId, piece.objectId);
  if (piece.compressed) {
    try {
      data = decompress(data, piece.length ?? cap);
    } catch (err) {
      throw corrupt(piece.objectId, `content ${piece.contentId} does not decompress`, err, piece.contentId);
    }
  }
  checkPieceLength(piece, data);
  return data;
}

function checkPieceLength(piece: ObjectPiece, data: Buffer): void {
  if (piece.length !== undefined && data.length !== piece.length) {
    throw corrupt(
      piece.objectId,
      `content ${piece.contentId} holds ${data.length} bytes where the index object says ${piece.length}`,
      undefined,
      piece.contentId,
    );
  }
}

/** readPiece, lent from the source's read buffers when it lends (and the piece needs no decompression). */
async function lendPiece(repo: ContentSource, piece: ObjectPiece): Promise<ContentLease> {
  const { getContentLease } = repo;
  if (getContentLease === undefined || piece.compressed) {
    return { data: await readPiece(repo, piece), release: KEEP };
  }
  const lease = await contentOf((id) => getContentLease.call(repo, id), piece.contentId, piece.objectId);
  try {
    checkPieceLength(piece, lease.data);
  } catch (err) {
    lease.release();
    throw err;
  }
  return lease;
}

/**
 * The contents an object is made of, in order, reading its index objects (at every level of
 * indirection) but no data.
 */
export async function objectPieces(repo: ContentSource, id: string | ObjectId): Promise<ObjectPiece[]> {
  const top = parse(id, 'object ID');
  const name = formatObjectId(top);
  const out: ObjectPiece[] = [];
  const walk = async (oid: ObjectId, start: number, length: number | undefined): Promise<void> => {
    if (oid.indirection === 0) {
      out.push({ contentId: oid.contentId, compressed: oid.compressed, start, length, objectId: name });
      return;
    }
    const index = indexObjectId(oid);
    const listing = await readObject(repo, index);
    const entries = decodeIndirect(listing, formatObjectId(oid));
    const last = entries.at(-1);
    if (length !== undefined && last !== undefined && last.start + last.length !== length) {
      throw corrupt(
        name,
        `an index object lists ${last.start + last.length} bytes where its parent says ${length}`,
      );
    }
    for (const e of entries) {
      // kopia lists an object's chunks (direct objects) in its index object; a listed object at
      // least as indirect as the one listing it could make a hostile tree of listings blow up.
      if (e.object.indirection >= oid.indirection) {
        throw corrupt(name, `an index object lists ${formatObjectId(e.object)}, as indirect as itself`);
      }
      if (out.length >= MAX_OBJECT_PIECES)
        throw corrupt(name, `it has more than ${MAX_OBJECT_PIECES} pieces`);
      await walk(e.object, start + e.start, e.length);
    }
  };
  await walk(top, 0, undefined);
  return out;
}

/** A whole object in memory (directories, index objects, symlink targets); CORRUPT beyond maxBytes. */
export async function readObject(
  repo: ContentSource,
  id: string | ObjectId,
  maxBytes = MAX_DIRECT_OBJECT_BYTES,
): Promise<Buffer> {
  const oid = parse(id, 'object ID');
  if (oid.indirection === 0) {
    const name = formatObjectId(oid);
    const data = await readPiece(
      repo,
      { contentId: oid.contentId, compressed: oid.compressed, start: 0, length: undefined, objectId: name },
      maxBytes,
    );
    if (data.length > maxBytes)
      throw corrupt(name, `it is ${data.length} bytes, more than the ${maxBytes} expected`);
    return data;
  }
  const pieces = await objectPieces(repo, oid);
  const total = pieces.reduce((n, p) => n + (p.length ?? 0), 0);
  if (total > maxBytes)
    throw corrupt(formatObjectId(oid), `it is ${total} bytes, more than the ${maxBytes} expected`);
  const parts = await Promise.all(pieces.map((p) => readPiece(repo, p)));
  return Buffer.concat(parts, total);
}

/**
 * The object's bytes as chunks: its pieces are read in order with `readAhead` of them in flight, so
 * memory stays at a few chunks whatever the object's size. A chunk is valid until the next one is
 * asked for (or the iteration ends): when the source lends, its memory is reused after that.
 */
export async function* objectChunks(
  repo: ContentSource,
  id: string | ObjectId,
  options: ObjectReadOptions = {},
): AsyncGenerator<Buffer> {
  const oid = parse(id, 'object ID');
  let pieces = await objectPieces(repo, oid);
  const expected = options.expectedLength;
  if (oid.indirection === 0 && expected !== undefined)
    pieces = pieces.map((p) => ({ ...p, length: expected }));
  const started = lookahead(pieces, options.readAhead ?? DEFAULT_READ_AHEAD, (p) => {
    const read = lendPiece(repo, p);
    read.catch(() => undefined);
    return read;
  });
  let total = 0;
  for (const pending of started) {
    options.signal?.throwIfAborted();
    const lease = await pending;
    try {
      total += lease.data.length;
      if (lease.data.length > 0) yield lease.data;
    } finally {
      lease.release();
    }
  }
  if (expected !== undefined && total !== expected) {
    throw corrupt(formatObjectId(oid), `it holds ${total} bytes where the directory says ${expected}`);
  }
}

/**
 * The object's bytes as a stream (objectChunks, never lent: a stream holds its chunks as long as
 * its reader wants).
 */
export function openObject(
  repo: ContentSource,
  id: string | ObjectId,
  options: ObjectReadOptions = {},
): Readable {
  const own: ContentSource = { getContent: (contentId) => repo.getContent(contentId) };
  return Readable.from(objectChunks(own, id, options), { objectMode: false, highWaterMark: 1 });
}
