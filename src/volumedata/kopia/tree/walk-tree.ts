// Reading a local directory tree for a snapshot, the way kopia's localfs and uploader see it.
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  read,
  readlinkSync,
  readSync,
  type BigIntStats,
} from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError } from '../../../errors/index.ts';
import { compareKopiaOrder, type TreeEntryType } from './tree-entry.ts';

/** One entry of a local directory, with what a snapshot's directory manifest records of it. */
export interface LocalEntry {
  name: string;
  type: Exclude<TreeEntryType, 'unsupported'>;
  /** POSIX permission bits with setuid/setgid/sticky (kopiaModeFromPosix gives the manifest's `mode`). */
  mode: number;
  size: number;
  mtimeNs: bigint;
  uid: number;
  gid: number;
  device: bigint;
  /** A symlink's target, read at listing time. */
  linkTarget?: string;
}

/** A directory with its own entry and its children in kopia's manifest order. */
export interface LocalDirectory {
  path: string;
  /** Slash-separated, '' for the root. */
  relativePath: string;
  self: LocalEntry;
  entries: LocalEntry[];
  /** Names kopia leaves out silently: sockets, pipes, devices (its IgnoreUnknownTypes default). */
  skipped: string[];
}

export interface WalkOptions {
  /** Leave out entries on another filesystem than their directory (kopia's files policy oneFileSystem, default false). */
  oneFileSystem?: boolean;
}

function errno(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function entryType(st: BigIntStats): LocalEntry['type'] | undefined {
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  return undefined;
}

function toEntry(name: string, st: BigIntStats, type: LocalEntry['type']): LocalEntry {
  return {
    name,
    type,
    mode: Number(st.mode & 0o7777n),
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    uid: Number(st.uid),
    gid: Number(st.gid),
    device: st.dev,
  };
}

/** The entry at path itself (not followed), for a walk's root. */
export async function localEntry(path: string, name = ''): Promise<LocalEntry> {
  const st = await lstat(path, { bigint: true });
  const type = entryType(st);
  if (type === undefined) {
    throw new LifeboatError('UNSUPPORTED', `${path} is not a file, directory or symlink.`, {
      hint: 'Snapshot a directory.',
    });
  }
  const entry = toEntry(name, st, type);
  if (type === 'symlink') entry.linkTarget = await readlink(path);
  return entry;
}

/**
 * One name of a listing, lstat'ed (and its link read); what vanished in between is 'vanished'.
 * Synchronous: an lstat of a listed name costs a few microseconds, where the promise API's round
 * trip through the thread pool costs ~50 µs of this thread's time (measured: 0.5 s of a 10k-file
 * snapshot), and a directory's listing stays one asynchronous readdir.
 */
function listedEntry(directory: string, name: string): LocalEntry | 'vanished' | 'unsupported' {
  const path = join(directory, name);
  try {
    const st = lstatSync(path, { bigint: true, throwIfNoEntry: false });
    if (st === undefined) return 'vanished';
    const type = entryType(st);
    if (type === undefined) return 'unsupported';
    const entry = toEntry(name, st, type);
    if (type === 'symlink') entry.linkTarget = readlinkSync(path);
    return entry;
  } catch (err) {
    if (errno(err) === 'ENOENT') return 'vanished';
    throw err;
  }
}

/**
 * A directory's entries as kopia lists them: lstat of each name (never followed), entries that vanish
 * between the listing and the lstat left out, sockets/pipes/devices left out and named in `skipped`,
 * sorted directories first, then by name bytes.
 */
export async function readLocalDirectory(
  path: string,
  options: WalkOptions & { device?: bigint } = {},
): Promise<{ entries: LocalEntry[]; skipped: string[] }> {
  let names: string[];
  let listed: (LocalEntry | 'vanished' | 'unsupported')[];
  try {
    names = await readdir(path);
    listed = names.map((name) => listedEntry(path, name));
  } catch (err) {
    if (errno(err) === 'ENOENT') throw err;
    throw new LifeboatError('OPERATION_FAILED', `Reading the directory ${path} failed: ${String(err)}`, {
      hint: 'Check that the snapshot can read every directory of the volume (permissions, mounts).',
      cause: err,
    });
  }
  const entries: LocalEntry[] = [];
  const skipped: string[] = [];
  for (const [i, entry] of listed.entries()) {
    if (entry === 'vanished') continue;
    if (entry === 'unsupported') skipped.push(names[i] ?? '');
    else if (
      options.oneFileSystem !== true ||
      options.device === undefined ||
      entry.device === options.device
    ) {
      entries.push(entry);
    }
  }
  entries.sort(compareKopiaOrder);
  return { entries, skipped };
}

/** The root of a walk, lstat'ed: a missing root is NOT_FOUND, one that is no directory a USAGE error. */
export async function walkRoot(root: string): Promise<LocalEntry> {
  const self = await localEntry(root).catch((err: unknown) => {
    if (errno(err) !== 'ENOENT') throw err;
    throw new LifeboatError('NOT_FOUND', `${root} does not exist.`, {
      hint: 'Name the directory to snapshot.',
    });
  });
  if (self.type !== 'directory') {
    throw new LifeboatError('USAGE', `${root} is not a directory.`, { hint: 'Snapshot a directory.' });
  }
  return self;
}

/**
 * Walks a directory tree depth-first and yields each directory after all its subdirectories, so a
 * Merkle-tree writer has every child's object ID before it writes the parent. A subdirectory that
 * vanishes before it is read is left out of its parent's entries.
 */
export async function* walkTree(root: string, options: WalkOptions = {}): AsyncGenerator<LocalDirectory> {
  yield* walkBelow(root, await walkRoot(root), options);
}

/** walkTree below a root already read by walkRoot. */
export async function* walkBelow(
  root: string,
  self: LocalEntry,
  options: WalkOptions = {},
): AsyncGenerator<LocalDirectory> {
  yield* walkDirectory(root, '', self, options);
}

async function* walkDirectory(
  path: string,
  relativePath: string,
  self: LocalEntry,
  options: WalkOptions,
): AsyncGenerator<LocalDirectory, boolean> {
  let listing: { entries: LocalEntry[]; skipped: string[] };
  try {
    listing = await readLocalDirectory(path, { ...options, device: self.device });
  } catch (err) {
    if (relativePath !== '' && errno(err) === 'ENOENT') return false;
    throw err;
  }
  const kept: LocalEntry[] = [];
  for (const entry of listing.entries) {
    if (entry.type === 'directory') {
      const childRelative = relativePath === '' ? entry.name : `${relativePath}/${entry.name}`;
      const present = yield* walkDirectory(join(path, entry.name), childRelative, entry, options);
      if (!present) continue;
    }
    kept.push(entry);
  }
  yield { path, relativePath, self, entries: kept, skipped: listing.skipped };
  return true;
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

/** A file that could not be opened: vanished or replaced by a symlink is NOT_FOUND, naming the path. */
function openError(path: string, err: unknown): unknown {
  const code = errno(err);
  if (code === 'ENOENT' || code === 'ELOOP') {
    return new LifeboatError(
      'NOT_FOUND',
      `${path} vanished or was replaced by a symlink during the snapshot.`,
      {
        hint: 'Snapshot again; kopia records such a file as a failed entry.',
        cause: err,
      },
    );
  }
  return err;
}

/**
 * Bytes of a file read with synchronous calls before the rest is read through the thread pool: a
 * small file then costs an open, a read or two and a close of a few microseconds each, where each
 * of those through the promise API costs ~50 µs of this thread (measured: 1.4 s of a 10k-file
 * snapshot). A larger file's reads leave this thread free (a node agent's event loop is never
 * blocked for more than this many bytes from the page cache or the disk).
 */
export const SYNC_READ_BYTES = 1 << 20;

/** A local file open for reading: read() gives 0 at the end; close() once done (also after a failure). */
export interface LocalFileReader {
  read(buf: Buffer, offset: number, length: number): Promise<number>;
  close(): void;
}

/**
 * Opens a file for reading without following a symlink that replaced it since the listing, and
 * reads its first SYNC_READ_BYTES synchronously, the rest asynchronously. Errors name the path.
 */
export function openLocalFileReader(path: string): LocalFileReader {
  let fd: number;
  try {
    // Non-blocking: a pipe that replaced the file since the listing must not hang this thread.
    fd = openSync(path, OPEN_FLAGS | constants.O_NONBLOCK);
  } catch (err) {
    throw openError(path, err);
  }
  let position = 0;
  let closed = false;
  const failed = (err: unknown) =>
    new LifeboatError('OPERATION_FAILED', `Reading ${path} failed: ${String(err)}`, {
      hint: 'Check that the snapshot can read every file of the volume (permissions, I/O errors).',
      cause: err,
    });
  const readAsync = (buf: Buffer, offset: number, length: number) =>
    new Promise<number>((resolve, reject) => {
      read(fd, buf, offset, length, position, (err, n) => {
        if (err !== null) reject(failed(err));
        else {
          position += n;
          resolve(n);
        }
      });
    });
  return {
    read(buf, offset, length) {
      if (position >= SYNC_READ_BYTES) return readAsync(buf, offset, length);
      const now = Math.min(length, SYNC_READ_BYTES - position);
      let n: number;
      try {
        n = readSync(fd, buf, offset, now, position);
      } catch (err) {
        return Promise.reject(failed(err));
      }
      position += n;
      // A read as long as asked for: the rest of the request, as one read would have given it.
      if (n < now || now === length) return Promise.resolve(n);
      return readAsync(buf, offset + n, length - n).then((more) => n + more);
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
