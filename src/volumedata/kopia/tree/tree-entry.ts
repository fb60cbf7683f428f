import type { Readable } from 'node:stream';
import { LifeboatError } from '../../../errors/index.ts';

/** The kinds of entry a restore writes; anything else in a snapshot (sockets, pipes, devices) is skipped with a warning. */
export type TreeEntryType = 'file' | 'directory' | 'symlink' | 'unsupported';

/** One entry of a snapshot directory, as a restore needs it. */
export interface TreeEntry {
  name: string;
  type: TreeEntryType;
  /** POSIX permission bits with setuid/setgid/sticky (0o7777); see posixModeFromKopia for a manifest's `mode`. */
  mode: number;
  size: number;
  mtime: Date;
  /** The mtime in nanoseconds since the epoch, when the snapshot carries them (preferred over mtime). */
  mtimeNs?: bigint;
  uid?: number;
  gid?: number;
  objectId: string;
}

/** Where a restore reads a snapshot's tree from: directories by object ID, file bytes, symlink targets. */
export interface TreeSource {
  readDirectory(objectId: string): Promise<TreeEntry[]>;
  openFile(entry: TreeEntry): Promise<Readable>;
  readSymlink(entry: TreeEntry): Promise<string>;
  /**
   * A small file's bytes in one buffer (the restore writes them without a stream), or undefined
   * when this source streams that file (then openFile is used).
   */
  readSmallFile?(entry: TreeEntry): Promise<Buffer | undefined>;
  /**
   * A file's bytes as chunks, each valid only until the next is asked for (its memory is then
   * reused): the restore writes each chunk before it asks for the next. When present, it is used
   * for every file instead of readSmallFile and openFile.
   */
  fileChunks?(entry: TreeEntry): AsyncIterable<Buffer>;
}

// Go's os.FileMode keeps the special bits high; kopia's directory manifests store `mode` in that form.
const goSetuid = 1 << 23;
const goSetgid = 1 << 22;
const goSticky = 1 << 20;

/** A kopia directory entry's `mode` (Go's os.FileMode & fs.ModBits) as POSIX bits. */
export function posixModeFromKopia(mode: number): number {
  let out = mode & 0o777;
  if (mode & goSetuid) out |= 0o4000;
  if (mode & goSetgid) out |= 0o2000;
  if (mode & goSticky) out |= 0o1000;
  return out;
}

/** POSIX permission bits as kopia stores them in a directory entry's `mode`. */
export function kopiaModeFromPosix(mode: number): number {
  let out = mode & 0o777;
  if (mode & 0o4000) out |= goSetuid;
  if (mode & 0o2000) out |= goSetgid;
  if (mode & 0o1000) out |= goSticky;
  return out;
}

/**
 * The entry's mtime as the seconds number Node's utimes family takes. libuv keeps whole microseconds
 * of it, and a double near 2^31 s is only exact to ~240 ns, so the nanoseconds within the microsecond
 * are kept away from its edges: the microsecond set is always the snapshot's.
 */
export function mtimeSeconds(entry: Pick<TreeEntry, 'mtime' | 'mtimeNs'>): number {
  const ns = entry.mtimeNs ?? BigInt(entry.mtime.getTime()) * 1_000_000n;
  const seconds = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
  const rest = Number(ns - seconds * 1_000_000_000n);
  const micros = Math.floor(rest / 1000);
  const within = Math.min(Math.max(rest - micros * 1000, 250), 750);
  return Number(seconds) + (micros * 1000 + within) / 1e9;
}

/**
 * Checks a directory's entries before anything is written: every name a single path component
 * (not empty, `.`, `..`, no `/` or NUL) and no name twice, so an entry can neither escape the
 * target nor replace a symlink the same restore created.
 */
export function checkDirectoryEntries(entries: readonly TreeEntry[], directory: string): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!isSafeName(entry.name)) {
      throw corrupt(
        directory,
        `has an entry named ${JSON.stringify(entry.name)}, which would escape its directory`,
      );
    }
    if (seen.has(entry.name)) {
      throw corrupt(directory, `has two entries named ${JSON.stringify(entry.name)}`);
    }
    seen.add(entry.name);
    if (!Number.isSafeInteger(entry.size) || entry.size < 0) {
      throw corrupt(directory, `gives ${JSON.stringify(entry.name)} an invalid size`);
    }
  }
}

export function isSafeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

function corrupt(directory: string, what: string): LifeboatError {
  return new LifeboatError(
    'CORRUPT',
    `The snapshot directory ${directory === '' ? '/' : directory} ${what}.`,
    {
      hint: 'The snapshot is malformed or hostile; restore another snapshot or check the repository with verify.',
    },
  );
}

/** Kopia's entry order in a directory manifest: directories first, then the rest, each by name bytes (UTF-8). */
export function compareKopiaOrder(
  a: { name: string; type: string },
  b: { name: string; type: string },
): number {
  const aDir = a.type === 'directory';
  const bDir = b.type === 'directory';
  if (aDir !== bDir) return aDir ? -1 : 1;
  return compareUtf8(a.name, b.name);
}

/** Orders strings as their UTF-8 bytes (code point order) without encoding them. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate stands for a code point above U+FFFF, after every other UTF-16 unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}
