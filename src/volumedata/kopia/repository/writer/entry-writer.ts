import { join } from 'node:path';
import { type DirEntry, goModeFromPosix } from '../../object/dir-entry.ts';
import type { ObjectId } from '../../object/object-id.ts';
import { type LocalEntry, openLocalFileReader } from '../../tree/walk-tree.ts';
import type { BufferPool } from './buffer-pool.ts';
import type { ContentWriter } from './content-writer.ts';
import { ObjectWriter } from './object-writer.ts';

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
}

/** Writes a file's data as an object (no compression, as Velero's policy) and returns its entry. */
export async function writeFile(
  ctx: EntryWriterContext,
  directory: string,
  e: LocalEntry,
): Promise<DirEntry> {
  const file = openLocalFileReader(join(directory, e.name));
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
