import { join } from 'node:path';
import { contentId } from '../../crypto/content.ts';
import { type DirEntry, goModeFromPosix } from '../../object/dir-entry.ts';
import { directObjectId, type ObjectId } from '../../object/object-id.ts';
import { type LocalEntry, openLocalFileReader } from '../../tree/walk-tree.ts';
import type { BufferPool } from './buffer-pool.ts';
import type { ContentWriter } from './content-writer.ts';
import { ObjectWriter } from './object-writer.ts';
import type { Sealer } from './sealer.ts';

/**
 * Files smaller than this are read on this thread even when workers could take them whole: their
 * read, hash and seal cost less than the round trip of a message.
 */
const WORKER_FILE_MIN = 16 * 1024;

/** kopia's metadata compression default (snapshot/policy: zstd-fastest) for directories and lists. */
export const METADATA_COMPRESSOR = 'zstd-fastest';

const TYPE_LETTER = { file: 'f', directory: 'd', symlink: 's' } as const;

/** The directory manifest entry kopia records for a local entry (upload.go newDirEntry). */
export function dirEntryFor(e: LocalEntry, obj: ObjectId, size = e.size): DirEntry {
  return {
    name: e.name,
    type: TYPE_LETTER[e.type],
    mode: goModeFromPosix(e.mode),
    size,
    mtime: e.mtimeNs,
    uid: e.uid,
    gid: e.gid,
    obj,
  };
}

/**
 * kopia's cache rule (upload.go findCachedEntry/metadataEquals): a file whose mtime, mode, owner
 * and size equal the parent snapshot's entry of the same name keeps the parent's object unread.
 */
export function unchangedFile(e: LocalEntry, previous: DirEntry | undefined): previous is DirEntry {
  return (
    previous !== undefined &&
    previous.type === 'f' &&
    previous.mtime === e.mtimeNs &&
    previous.mode === goModeFromPosix(e.mode) &&
    previous.uid === e.uid &&
    previous.gid === e.gid &&
    previous.size === e.size
  );
}

export interface EntryWriterContext {
  contents: ContentWriter;
  splitter: string;
  /** Chunk buffers for file data, each at least the splitter's maximum segment. */
  chunkBuffers: BufferPool;
  signal?: AbortSignal | undefined;
  /** Bytes read from files, as they are read. */
  onBytes?: (n: number) => void;
  /** Small files sealed whole on worker threads (absent: every file is read on this thread). */
  smallFiles?: SmallFileSealing | undefined;
}

/** How files too small for the splitter to cut are read, hashed and sealed on worker threads. */
export interface SmallFileSealing {
  /** Files of at most this many bytes are one content whatever the splitter (below its minimum segment). */
  limit: number;
  /** Shared buffers of limit + 1 + the encryption's overhead bytes. */
  buffers: BufferPool;
  /** The encryption's overhead (nonce and tag). */
  overhead: number;
  sealFile: NonNullable<Sealer['sealFile']>;
}

/**
 * A small file as one content sealed on a worker: this thread only looks its ID up and, for a new
 * one, copies the sealed bytes into a pack. Undefined when the worker could not take it (grown
 * past the limit, or unreadable there): the caller reads it itself.
 */
async function writeSmallFile(
  ctx: EntryWriterContext,
  small: SmallFileSealing,
  path: string,
  e: LocalEntry,
): Promise<DirEntry | undefined> {
  const buf = small.buffers.take();
  try {
    const r = await small.sealFile(path, buf, small.limit);
    if (r === undefined) return undefined;
    ctx.signal?.throwIfAborted();
    ctx.onBytes?.(r.length);
    const length = r.length + small.overhead;
    const id = await ctx.contents.writeHashed(contentId('', r.hash), '', r.length, () => ({
      compressionHeaderId: 0,
      length,
      writeTo: (out, offset) => {
        buf.copy(out, offset, 0, length);
      },
    }));
    return dirEntryFor(e, directObjectId(id), r.length);
  } finally {
    small.buffers.give(buf);
  }
}

/** True when writeFile hands the file whole to ctx.smallFiles (as its listing's size says). */
function sealedWhole(ctx: EntryWriterContext, e: LocalEntry): boolean {
  return ctx.smallFiles !== undefined && e.size >= WORKER_FILE_MIN && e.size <= ctx.smallFiles.limit;
}

/** Writes a file's data as an object (no compression, as Velero's policy) and returns its entry. */
export async function writeFile(
  ctx: EntryWriterContext,
  directory: string,
  e: LocalEntry,
): Promise<DirEntry> {
  const path = join(directory, e.name);
  const small = ctx.smallFiles;
  if (small !== undefined && sealedWhole(ctx, e)) {
    ctx.signal?.throwIfAborted();
    const written = await writeSmallFile(ctx, small, path, e);
    if (written !== undefined) return written;
  }
  const file = openLocalFileReader(path);
  const writer = new ObjectWriter(ctx.contents, {
    splitter: ctx.splitter,
    metadataCompressor: METADATA_COMPRESSOR,
    // Sealing is synchronous; a chunk waits only for room among the packs being stored.
    asyncWrites: 1,
  });
  let size: number;
  try {
    size = await writer.readFrom((buf, offset, length) => file.read(buf, offset, length), ctx.chunkBuffers, {
      signal: ctx.signal,
      onBytes: ctx.onBytes,
      shortReadEnds: true,
    });
  } finally {
    file.close();
  }
  return dirEntryFor(e, await writer.result(), size);
}

/** Writes a symlink's target as an object (kopia's uploadSymlinkInternal); size is the target's length. */
export async function writeSymlink(ctx: EntryWriterContext, e: LocalEntry): Promise<DirEntry> {
  const target = Buffer.from(e.linkTarget ?? '');
  const writer = new ObjectWriter(ctx.contents, {
    splitter: ctx.splitter,
    metadataCompressor: METADATA_COMPRESSOR,
  });
  await writer.write(target);
  return dirEntryFor(e, await writer.result(), target.length);
}

/** Writes a directory manifest's JSON (prefix `k`, zstd-fastest) and returns its object. */
export async function writeDirectoryObject(ctx: EntryWriterContext, json: Buffer): Promise<ObjectId> {
  const writer = new ObjectWriter(ctx.contents, {
    splitter: ctx.splitter,
    prefix: 'k',
    compressor: METADATA_COMPRESSOR,
    metadataCompressor: METADATA_COMPRESSOR,
  });
  await writer.write(json);
  return writer.result();
}
