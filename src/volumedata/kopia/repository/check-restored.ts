// Checking a restored directory against its snapshot by re-hashing: each file re-split with the
// repository's splitter and re-hashed with its keyed hash, its contents compared one by one with the
// snapshot's object; sizes, modes, types and symlink targets compared entry by entry.
import { createReadStream } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError } from '../../../errors/index.ts';
import { contentId } from '../crypto/content.ts';
import type { DirEntry } from '../object/dir-entry.ts';
import { formatObjectId } from '../object/object-id.ts';
import { createSplitter, DEFAULT_SPLITTER } from '../object/splitter.ts';
import { posixModeFromKopia } from '../tree/tree-entry.ts';
import { objectPieces, readObject } from './object-reader.ts';
import { readDirectoryEntries } from './restore.ts';
import type { KopiaRepository } from './repository.ts';

export interface RestoredMismatch {
  /** Slash-separated, relative to the restored directory. */
  path: string;
  reason: string;
}

export interface RestoredCheck {
  files: number;
  directories: number;
  symlinks: number;
  /** Bytes of the files re-read and re-hashed. */
  bytes: number;
  /** The first `maxListed` mismatches (mismatchCount has them all). */
  mismatches: RestoredMismatch[];
  mismatchCount: number;
}

export interface CheckRestoredOptions {
  /** Mismatches listed (default 20); all are counted. */
  maxListed?: number;
  /** Names at the top of the directory left out of the comparison (e.g. `.velero`, the restore markers). */
  ignoreAtRoot?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: { files: number; bytes: number }) => void;
}

const SYMLINK_CAP = 64 << 10;
const MAX_PIECE_BYTES = 64 << 20;
const TYPE_NAMES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, { f: 'file', d: 'directory', s: 'symlink' }),
);
const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

/** A file's contents as the repository's writer would cut and hash them: content ID and length each. */
async function rehash(
  repo: Pick<KopiaRepository, 'hash' | 'format'>,
  path: string,
  signal: AbortSignal | undefined,
): Promise<{ chunks: { contentId: string; length: number }[]; bytes: number }> {
  const name = repo.format.config.splitter === '' ? DEFAULT_SPLITTER : repo.format.config.splitter;
  const splitter = createSplitter(name);
  const chunks: { contentId: string; length: number }[] = [];
  let pieces: Buffer[] = [];
  let pieceBytes = 0;
  let bytes = 0;
  const cut = () => {
    const data =
      pieces.length === 1 && pieces[0] !== undefined ? pieces[0] : Buffer.concat(pieces, pieceBytes);
    chunks.push({ contentId: contentId('', repo.hash(data)), length: data.length });
    pieces = [];
    pieceBytes = 0;
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) });
  for await (const block of stream as AsyncIterable<Buffer>) {
    bytes += block.length;
    let rest = block;
    while (rest.length > 0) {
      const n = splitter.nextSplitPoint(rest);
      if (n < 0) {
        pieces.push(rest);
        pieceBytes += rest.length;
        break;
      }
      pieces.push(rest.subarray(0, n));
      pieceBytes += n;
      rest = rest.subarray(n);
      cut();
    }
  }
  if (pieceBytes > 0 || chunks.length === 0) cut();
  return { chunks, bytes };
}

type Piece = Awaited<ReturnType<typeof objectPieces>>[number];
type Difference = { index: number; start: number };

/** Whether the re-split file is the snapshot's object: the same contents at the same places. */
function sameContents(
  pieces: readonly Piece[],
  chunks: readonly { contentId: string; length: number }[],
): boolean {
  if (pieces.length !== chunks.length) return false;
  let start = 0;
  for (const [i, chunk] of chunks.entries()) {
    const piece = pieces[i];
    if (piece === undefined || piece.contentId !== chunk.contentId || piece.start !== start) return false;
    start += chunk.length;
  }
  return true;
}

/** The first of the snapshot's contents whose range of the file hashes to another ID. */
async function differenceAlong(
  repo: Pick<KopiaRepository, 'hash'>,
  path: string,
  pieces: readonly Piece[],
  size: number,
): Promise<Difference | undefined> {
  const file = await open(path, 'r');
  try {
    for (const [index, piece] of pieces.entries()) {
      const end = pieces[index + 1]?.start ?? size;
      // A content is at most a splitter's largest segment (8 MiB): a longer range is not one.
      if (end - piece.start > MAX_PIECE_BYTES) return { index, start: piece.start };
      const data = Buffer.alloc(Math.max(0, end - piece.start));
      const { bytesRead } = await file.read(data, 0, data.length, piece.start);
      if (bytesRead !== data.length || contentId('', repo.hash(data)) !== piece.contentId)
        return { index, start: piece.start };
    }
    return undefined;
  } finally {
    await file.close();
  }
}

class Checker {
  readonly result: RestoredCheck = {
    files: 0,
    directories: 0,
    symlinks: 0,
    bytes: 0,
    mismatches: [],
    mismatchCount: 0,
  };
  readonly #repo: KopiaRepository;
  readonly #options: CheckRestoredOptions;

  constructor(repo: KopiaRepository, options: CheckRestoredOptions) {
    this.#repo = repo;
    this.#options = options;
  }

  mismatch(path: string, reason: string): void {
    this.result.mismatchCount++;
    if (this.result.mismatches.length < (this.#options.maxListed ?? 20))
      this.result.mismatches.push({ path, reason });
  }

  /** One snapshot directory against the restored one at `dir` (`rel` its path for messages). */
  async directory(entry: DirEntry, dir: string, rel: string): Promise<void> {
    this.result.directories++;
    const entries = await readDirectoryEntries(this.#repo, formatObjectId(entry.obj));
    const expected = new Set(entries.map((e) => e.name));
    const ignored = new Set(rel === '' ? (this.#options.ignoreAtRoot ?? []) : []);
    for (const e of entries) {
      this.#options.signal?.throwIfAborted();
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      await this.entry(e, join(dir, e.name), childRel);
    }
    for (const name of (await readdir(dir)).sort())
      if (!expected.has(name) && !ignored.has(name))
        this.mismatch(rel === '' ? name : `${rel}/${name}`, 'is not in the snapshot');
  }

  async entry(e: DirEntry, path: string, rel: string): Promise<void> {
    const want = TYPE_NAMES[e.type];
    if (want === undefined) return; // a restore writes no other type: nothing to compare
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined) return this.mismatch(rel, `is missing (the snapshot has a ${want})`);
    const got = st.isDirectory()
      ? 'directory'
      : st.isFile()
        ? 'file'
        : st.isSymbolicLink()
          ? 'symlink'
          : 'other';
    if (got !== want) return this.mismatch(rel, `is a ${got}, the snapshot has a ${want}`);
    const mode = posixModeFromKopia(e.mode);
    if (want !== 'symlink' && (st.mode & 0o7777) !== mode)
      this.mismatch(rel, `has mode ${octal(st.mode & 0o7777)}, the snapshot has ${octal(mode)}`);
    if (want === 'directory') return this.directory(e, path, rel);
    if (want === 'symlink') {
      this.result.symlinks++;
      const target = await readlink(path);
      const expected = (await readObject(this.#repo, e.obj, SYMLINK_CAP)).toString('utf8');
      if (target !== expected) this.mismatch(rel, `links to ${target}, the snapshot to ${expected}`);
      return;
    }
    return this.file(e, path, rel, st.size);
  }

  async file(e: DirEntry, path: string, rel: string, size: number): Promise<void> {
    this.result.files++;
    if (size !== e.size) this.mismatch(rel, `holds ${size} bytes, the snapshot ${e.size}`);
    const { chunks, bytes } = await rehash(this.#repo, path, this.#options.signal);
    this.result.bytes += bytes;
    this.#options.onProgress?.({ files: this.result.files, bytes: this.result.bytes });
    if (size !== e.size) return;
    // The snapshot's contents of the file, read from its index objects (no data is fetched): a
    // content is the same when its keyed hash is (compression does not change a content's ID).
    const pieces = await objectPieces(this.#repo, e.obj);
    if (sameContents(pieces, chunks)) return;
    // Cut differently (a snapshot written with another splitter)? The restored bytes are hashed
    // again along the snapshot's own cuts, which also says where they differ.
    const at = await differenceAlong(this.#repo, path, pieces, size);
    if (at === undefined) return;
    this.mismatch(
      rel,
      `its bytes differ from the snapshot's from byte ${at.start} on (content ${at.index + 1} of ${pieces.length})`,
    );
  }
}

/**
 * Re-reads a restored directory and checks it against the snapshot whose root entry is `root`:
 * every entry of the snapshot must be there with its type and mode, each file with its size and
 * the very contents (re-split and re-hashed into the IDs the snapshot lists), each symlink with its
 * target; anything else in the directory is a mismatch too. Unreadable directories throw.
 */
export async function checkRestoredTree(
  repo: KopiaRepository,
  root: DirEntry,
  dir: string,
  options: CheckRestoredOptions = {},
): Promise<RestoredCheck> {
  if (root.type !== 'd')
    throw new LifeboatError('UNSUPPORTED', 'the snapshot root is not a directory', {
      hint: 'only directory snapshots (pod volumes) can be checked',
    });
  const checker = new Checker(repo, options);
  await checker.directory(root, dir, '');
  return checker.result;
}
