import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ArchiveCatalog } from './catalog.ts';
import { corruptArchive, readBackupArchive, type ArchiveLimits, type SkippedEntries } from './reader.ts';

/**
 * Reads a backup tarball once (through the hardened readBackupArchive) and appends the bytes of the
 * items at classic paths — the only ones Velero's restore parser reads — to one spool file, keeping
 * each item's offset and length. Version directories (`<v>/`, `<v>-preferredversion/`) and other
 * files are catalogued or checked but not stored. An archive that could not be extracted safely
 * (a file where a directory is needed, or the reverse) is refused, as writing it out to a folder would fail.
 */

export interface SpooledArchive {
  catalog: ArchiveCatalog;
  skipped: SkippedEntries;
  version: string | undefined;
  /** Regular files read from the archive, and their bytes. */
  files: number;
  bytes: number;
  /** Stored bytes of the item at a classic path, without reading it; undefined for an unknown path. */
  sizeOf(path: string): number | undefined;
  /** Bytes of the item at a classic path (one positioned read); throws ENOENT for an unknown path. */
  read(path: string): Promise<Buffer>;
  /** Closes the spool file. */
  close(): Promise<void>;
}

interface Span {
  offset: number;
  length: number;
}

const FLUSH_BYTES = 4 * 1024 * 1024;

/**
 * Creates `spoolPath` (which must not exist, mode 0600) and fills it from the archive. Where the OS
 * allows it the path is unlinked at once, so the spool disappears with its handle even if the process
 * is killed; otherwise the caller removes it after close().
 */
export async function spoolBackupArchive(
  input: Readable,
  spoolPath: string,
  limits?: ArchiveLimits,
): Promise<SpooledArchive> {
  const handle = await open(spoolPath, 'wx+', 0o600);
  try {
    await unlink(spoolPath).catch(() => undefined);
    return await fill(handle, input, limits);
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Adds the directories an extraction would create for the file at `path` to `dirs`, refusing the
 * collisions it would meet: the path is a directory already, or one of its directories is a file.
 */
function addDirectories(path: string, dirs: Set<string>, isFile: (path: string) => boolean): void {
  if (dirs.has(path)) throw corruptArchive(`entry ${JSON.stringify(path)} collides with a directory`);
  let slash = path.indexOf('/');
  while (slash !== -1) {
    const dir = path.slice(0, slash);
    if (!dirs.has(dir)) {
      if (isFile(dir)) {
        throw corruptArchive(
          `entry ${JSON.stringify(path)} needs directory ${JSON.stringify(dir)}, which exists and is not a directory`,
        );
      }
      dirs.add(dir);
    }
    slash = path.indexOf('/', slash + 1);
  }
}

async function fill(handle: FileHandle, input: Readable, limits?: ArchiveLimits): Promise<SpooledArchive> {
  const reader = readBackupArchive(input, limits);
  const catalog = new ArchiveCatalog();
  const spans = new Map<string, Span>();
  // Paths of the regular files not stored in the spool, and the directories an extraction would
  // create: enough to refuse the same file/directory collisions an extraction would meet.
  const otherFiles = new Set<string>();
  const dirs = new Set<string>();
  // Item bytes are copied into one reused block and written out when it fills: the entries' own
  // buffers (often views of larger stream chunks) are never held.
  const block = Buffer.allocUnsafe(FLUSH_BYTES);
  let used = 0;
  let end = 0;
  let files = 0;
  let bytes = 0;
  const writeAll = async (bytes: Buffer) => {
    let done = 0;
    while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
  };
  const flush = async () => {
    await writeAll(block.subarray(0, used));
    used = 0;
  };
  const append = async (data: Buffer) => {
    if (used + data.length > block.length) await flush();
    if (data.length > block.length) {
      await writeAll(data);
    } else {
      data.copy(block, used);
      used += data.length;
    }
    end += data.length;
  };
  for await (const entry of reader) {
    addDirectories(entry.path, dirs, (path) => spans.has(path) || otherFiles.has(path));
    const parsed = entry.parsed;
    if (parsed.kind === 'item' && parsed.versionDir === undefined) {
      spans.set(entry.path, { offset: end, length: entry.data.length });
      if (entry.data.length > 0) await append(entry.data);
    } else {
      otherFiles.add(entry.path);
    }
    catalog.add(entry);
    files++;
    bytes += entry.size;
  }
  await flush();
  return {
    catalog,
    skipped: reader.skipped,
    version: reader.version,
    files,
    bytes,
    sizeOf: (path) => spans.get(path)?.length,
    read: async (path) => {
      const span = spans.get(path);
      if (span === undefined) {
        const err: NodeJS.ErrnoException = new Error(
          `ENOENT: no item at ${JSON.stringify(path)} in the backup`,
        );
        err.code = 'ENOENT';
        throw err;
      }
      const buffer = Buffer.allocUnsafe(span.length);
      let done = 0;
      while (done < span.length) {
        const { bytesRead } = await handle.read(buffer, done, span.length - done, span.offset + done);
        if (bytesRead === 0) throw new Error(`the restore spool file ended early at ${JSON.stringify(path)}`);
        done += bytesRead;
      }
      return buffer;
    },
    close: () => handle.close(),
  };
}
