import { LifeboatError } from '../../../errors/index.ts';
import {
  type DirEntry,
  type DirSummary,
  encodeDirEntry,
  encodeDirSummary,
  type FailedEntry,
  jsonObject,
  readDirEntry,
  readDirSummary,
  ShapeError,
  toDirEntry,
} from './dir-entry.ts';

/**
 * kopia's directory manifest (snapshot.DirManifest, snapshotfs/dir_writer.go): the JSON
 * `{"stream":"kopia:directory","entries":[…],"summary":{…}}` stored as an object with prefix `k`,
 * entries directories first, then by name (Go's byte order), so a directory with the same
 * contents always serialises to the same bytes — and so to the same content ID as kopia's.
 */
export interface DirManifest {
  readonly entries: readonly DirEntry[];
  readonly summary: DirSummary | undefined;
}

export const DIRECTORY_STREAM = 'kopia:directory';
/** The object ID prefix of directory objects. */
export const DIRECTORY_PREFIX = 'k';
/** Far above a directory of a million entries (~250 bytes each). */
export const MAX_DIRECTORY_JSON_BYTES = 512 << 20;

/** The manifest's bytes exactly as kopia's json.Encoder writes them (newline included). */
export function encodeDirManifest(m: DirManifest): Buffer {
  const entries = m.entries.length === 0 ? 'null' : `[${m.entries.map(encodeDirEntry).join(',')}]`;
  const summary = m.summary === undefined ? 'null' : encodeDirSummary(m.summary);
  return Buffer.from(`{"stream":"${DIRECTORY_STREAM}","entries":${entries},"summary":${summary}}\n`);
}

/**
 * Reads a directory manifest (hostile): CORRUPT naming `where` when it is not JSON of kopia's
 * shape, or an entry's name could step out of the directory (empty, `.`, `..`, `/`, NUL) or
 * repeats, or an object ID is malformed. Checked field by field by hand: a parent snapshot's
 * directories are read for every re-snapshot, and a schema library cost ~10 µs an entry.
 */
export function decodeDirManifest(data: Uint8Array, where: string): DirManifest {
  const corrupt = (why: string) =>
    new LifeboatError('CORRUPT', `directory ${where} is malformed: ${why}`, {
      hint: 'The repository is damaged or was not written by kopia; run `kopia snapshot verify` on it.',
    });
  if (data.length > MAX_DIRECTORY_JSON_BYTES) throw corrupt(`${data.length} bytes is too large`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8'));
  } catch {
    throw corrupt('not JSON');
  }
  let raw: { entries: readonly unknown[]; summary: DirSummary | undefined };
  try {
    raw = manifestShape(json);
  } catch (err) {
    if (err instanceof ShapeError) throw corrupt(err.message);
    throw err;
  }
  const seen = new Set<string>();
  const entries = raw.entries.map((item, i) => {
    let entry;
    try {
      entry = readDirEntry(item, `entries.${i}`);
    } catch (err) {
      if (err instanceof ShapeError) throw corrupt(err.message);
      throw err;
    }
    const problem = nameProblem(entry.name);
    if (problem !== undefined) throw corrupt(`entry ${i} ${problem}`);
    if (seen.has(entry.name)) throw corrupt(`entry ${i} repeats the name ${JSON.stringify(entry.name)}`);
    seen.add(entry.name);
    return toDirEntry(entry, `directory ${where} entry ${JSON.stringify(entry.name)}`);
  });
  return { entries, summary: raw.summary };
}

/** `{"stream":"kopia:directory","entries":[…]|null,"summary":{…}|null}`; entries are read one by one. */
function manifestShape(json: unknown): { entries: readonly unknown[]; summary: DirSummary | undefined } {
  const o = jsonObject(json, 'manifest');
  if (o['stream'] !== DIRECTORY_STREAM) throw new ShapeError('stream', `expected "${DIRECTORY_STREAM}"`);
  const entries = o['entries'];
  if (entries !== null && !Array.isArray(entries))
    throw new ShapeError('entries', 'expected an array or null');
  const summary = o['summary'];
  return {
    entries: entries ?? [],
    summary: summary === undefined || summary === null ? undefined : readDirSummary(summary, 'summary'),
  };
}

/** Why a name read from a repository cannot be a directory entry, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `has the name ${JSON.stringify(name)}`;
  if (name.includes('/') || name.includes('\0')) return `has a name with '/' or NUL: ${JSON.stringify(name)}`;
  if (Buffer.byteLength(name) > 4096) return 'has a name longer than 4096 bytes';
  return undefined;
}

/** Any UTF-16 unit from a surrogate up, where UTF-16 order and Go's (UTF-8) order can part. */
const HIGH_UNIT = /[\ud800-\uffff]/;

/** UTF-16 order: Go's order for strings without HIGH_UNIT. */
function compareUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's string order (UTF-8 bytes = code points) on JS strings: surrogates sort above U+E000…U+FFFF. */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Builds a directory manifest as kopia's DirManifestBuilder does: the summary adds up files,
 * symlinks and the subdirectories' summaries, the newest mtime (or the directory's own when it
 * is empty), and the failures; entries come out directories first, then by name.
 */
export class DirManifestBuilder {
  private readonly entries: DirEntry[] = [];
  private size = 0;
  private files = 0;
  private symlinks = 0;
  private dirs = 0;
  private maxTime = 0n;
  private numFailed = 0;
  private numIgnoredErrors = 0;
  private errors: FailedEntry[] = [];

  addEntry(e: DirEntry): void {
    this.entries.push(e);
    if (e.mtime > this.maxTime) this.maxTime = e.mtime;
    if (e.type === 's') this.symlinks++;
    else if (e.type === 'f') {
      this.files++;
      this.size += e.size;
    } else if (e.type === 'd' && e.summ !== undefined) {
      const s = e.summ;
      this.files += s.files;
      this.size += s.size;
      this.dirs += s.dirs;
      this.symlinks += s.symlinks;
      this.numFailed += s.numFailed;
      this.numIgnoredErrors += s.numIgnoredErrors ?? 0;
      if (s.errors !== undefined) this.errors.push(...s.errors);
      if (s.maxTime > this.maxTime) this.maxTime = s.maxTime;
    }
  }

  /** An entry that could not be read: counted as an ignored or a fatal error. */
  addFailedEntry(path: string, ignored: boolean, error: string): void {
    if (ignored) this.numIgnoredErrors++;
    else this.numFailed++;
    this.errors.push({ path, error });
  }

  /**
   * The manifest. Like kopia's, the summary lists every failure below the directory sorted by
   * path (kopia only trims its own running list to the first 10, not the summary it returns).
   */
  build(dirModTime: bigint, incomplete = ''): DirManifest {
    const isDir = (e: DirEntry) => e.type === 'd';
    // Both strings need a high unit for the orders to differ: without any, compare natively.
    const compare = this.entries.some((e) => HIGH_UNIT.test(e.name)) ? compareGoStrings : compareUnits;
    const entries = [...this.entries].sort((a, b) =>
      isDir(a) !== isDir(b) ? (isDir(a) ? -1 : 1) : compare(a.name, b.name),
    );
    this.errors.sort((a, b) => compareGoStrings(a.path, b.path));
    const errors = this.errors.slice();
    this.errors = this.errors.slice(0, 10);
    return {
      entries,
      summary: {
        size: this.size,
        files: this.files,
        symlinks: this.symlinks,
        dirs: this.dirs + 1,
        maxTime: entries.length === 0 ? dirModTime : this.maxTime,
        incomplete,
        numFailed: this.numFailed,
        numIgnoredErrors: this.numIgnoredErrors,
        errors,
      },
    };
  }
}
