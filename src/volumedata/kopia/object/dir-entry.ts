import * as z from 'zod';
import { formatObjectId, type ObjectId, parseObjectId } from './object-id.ts';
import { goInt, goQuote, goTime, parseGoTime } from './go-text.ts';

/**
 * One entry of a kopia directory manifest (snapshot/manifest.go DirEntry) and the summary of a
 * directory (fs.DirectorySummary). Times are nanoseconds since the Unix epoch (bigint: they do
 * not fit a double); modes are Go's os.FileMode bits as kopia stores them (see goModeFromPosix).
 */
export interface DirEntry {
  readonly name: string;
  /** `f` file, `d` directory, `s` symlink (kopia writes no other). */
  readonly type: string;
  readonly mode: number;
  readonly size: number;
  readonly mtime: bigint;
  readonly uid: number;
  readonly gid: number;
  readonly obj: ObjectId;
  /** Directories only: the summary of the subtree. */
  readonly summ?: DirSummary | undefined;
}

export interface FailedEntry {
  readonly path: string;
  readonly error: string;
}

export interface DirSummary {
  readonly size: number;
  readonly files: number;
  readonly symlinks: number;
  readonly dirs: number;
  readonly maxTime: bigint;
  readonly incomplete?: string | undefined;
  readonly numFailed: number;
  readonly numIgnoredErrors?: number | undefined;
  readonly errors?: readonly FailedEntry[] | undefined;
}

/** Summaries that encode the same (a field left out and its zero value are the same). */
export function sameDirSummary(a: DirSummary | undefined, b: DirSummary | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ae = a.errors ?? [];
  const be = b.errors ?? [];
  return (
    a.size === b.size &&
    a.files === b.files &&
    a.symlinks === b.symlinks &&
    a.dirs === b.dirs &&
    a.maxTime === b.maxTime &&
    (a.incomplete ?? '') === (b.incomplete ?? '') &&
    a.numFailed === b.numFailed &&
    (a.numIgnoredErrors ?? 0) === (b.numIgnoredErrors ?? 0) &&
    ae.length === be.length &&
    ae.every((f, i) => f.path === be[i]?.path && f.error === be[i]?.error)
  );
}

/** Entries that encode the same: every field, the object ID and a directory's summary. */
export function sameDirEntry(a: DirEntry, b: DirEntry | undefined): boolean {
  return (
    b !== undefined &&
    a.name === b.name &&
    a.type === b.type &&
    a.mode === b.mode &&
    a.size === b.size &&
    a.mtime === b.mtime &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.obj.contentId === b.obj.contentId &&
    a.obj.indirection === b.obj.indirection &&
    a.obj.compressed === b.obj.compressed &&
    sameDirSummary(a.summ, b.summ)
  );
}

const GO_MODE_SETUID = 1 << 23;
const GO_MODE_SETGID = 1 << 22;
const GO_MODE_STICKY = 1 << 20;

/** kopia's mode (permissions | Go's setuid/setgid/sticky bits) from a POSIX st_mode. */
export function goModeFromPosix(mode: number): number {
  return (
    (mode & 0o777) |
    (mode & 0o4000 ? GO_MODE_SETUID : 0) |
    (mode & 0o2000 ? GO_MODE_SETGID : 0) |
    (mode & 0o1000 ? GO_MODE_STICKY : 0)
  );
}

/** The POSIX permission bits (with setuid/setgid/sticky) of a kopia mode. */
export function posixModeFromGo(mode: number): number {
  return (
    (mode & 0o777) |
    (mode & GO_MODE_SETUID ? 0o4000 : 0) |
    (mode & GO_MODE_SETGID ? 0o2000 : 0) |
    (mode & GO_MODE_STICKY ? 0o1000 : 0)
  );
}

/** A DirEntry as Go's encoding/json writes kopia's struct: fields in order, zero values left out. */
export function encodeDirEntry(e: DirEntry): string {
  let out = '{';
  if (e.name !== '') out += `"name":${goQuote(e.name)},`;
  if (e.type !== '') out += `"type":${goQuote(e.type)},`;
  if (e.mode !== 0) out += `"mode":"0${e.mode.toString(8)}",`;
  if (e.size !== 0) out += `"size":${goInt(e.size)},`;
  if (e.mtime !== 0n) out += `"mtime":${goTime(e.mtime)},`;
  if (e.uid !== 0) out += `"uid":${goInt(e.uid)},`;
  if (e.gid !== 0) out += `"gid":${goInt(e.gid)},`;
  out += `"obj":${goQuote(formatObjectId(e.obj))}`;
  if (e.summ !== undefined) out += `,"summ":${encodeDirSummary(e.summ)}`;
  return `${out}}`;
}

export function encodeDirSummary(s: DirSummary): string {
  let out = `{"size":${goInt(s.size)},"files":${goInt(s.files)},"symlinks":${goInt(s.symlinks)},"dirs":${goInt(s.dirs)},"maxTime":${goTime(s.maxTime)}`;
  if (s.incomplete !== undefined && s.incomplete !== '') out += `,"incomplete":${goQuote(s.incomplete)}`;
  out += `,"numFailed":${goInt(s.numFailed)}`;
  if (s.numIgnoredErrors !== undefined && s.numIgnoredErrors !== 0)
    out += `,"numIgnoredErrors":${goInt(s.numIgnoredErrors)}`;
  if (s.errors !== undefined && s.errors.length > 0) {
    const list = s.errors.map((f) => `{"path":${goQuote(f.path)},"error":${goQuote(f.error)}}`);
    out += `,"errors":[${list.join(',')}]`;
  }
  return `${out}}`;
}

/**
 * A field of a directory manifest that has not kopia's shape: where it is (`entries.3.mode`) and
 * what is wrong with it.
 */
export class ShapeError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

type Json = Readonly<Record<string, unknown>>;

/** The JSON object at path (not an array, not null), or a ShapeError. */
export function jsonObject(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ShapeError(path, 'expected an object');
  return v as Json;
}

function string(o: Json, key: string, path: string, maxLength = Infinity): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ShapeError(`${path}.${key}`, 'expected a string');
  if (v.length > maxLength) throw new ShapeError(`${path}.${key}`, `longer than ${maxLength} characters`);
  return v;
}

function integer(o: Json, key: string, path: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ShapeError(`${path}.${key}`, `expected an integer from ${min} to ${max}`);
  }
  return v;
}

const count = (o: Json, key: string, path: string) =>
  integer(o, key, path, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

function time(o: Json, key: string, path: string): bigint | undefined {
  const text = string(o, key, path);
  if (text === undefined) return undefined;
  const ns = parseGoTime(text);
  if (ns === null)
    throw new ShapeError(`${path}.${key}`, `malformed time ${JSON.stringify(text.slice(0, 40))}`);
  return ns;
}

const MODE = /^(?:0([0-7]*)|([1-9][0-9]*)|0[xX]([0-9a-fA-F]+))$/;

/** strconv.ParseInt(s, 0, 32) as kopia reads modes: octal with a leading 0, else decimal or 0x hex. */
function mode(o: Json, key: string, path: string): number | undefined {
  const text = string(o, key, path);
  if (text === undefined) return undefined;
  const m = MODE.exec(text);
  const value =
    m === null
      ? NaN
      : m[1] !== undefined
        ? parseInt(m[1] || '0', 8)
        : m[2] !== undefined
          ? Number(m[2])
          : parseInt(m[3] ?? '', 16);
  if (!(value >= 0 && value <= 0x7fff_ffff)) {
    throw new ShapeError(`${path}.${key}`, `malformed mode ${JSON.stringify(text.slice(0, 40))}`);
  }
  return value;
}

function failedEntries(v: unknown, path: string): FailedEntry[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new ShapeError(path, 'expected an array');
  return v.map((item: unknown, i) => {
    const o = jsonObject(item, `${path}.${i}`);
    const failedPath = string(o, 'path', `${path}.${i}`);
    const error = string(o, 'error', `${path}.${i}`);
    if (failedPath === undefined || error === undefined) {
      throw new ShapeError(`${path}.${i}`, 'expected a path and an error');
    }
    return { path: failedPath, error };
  });
}

/**
 * A directory summary read from JSON (hostile), as Go's encoding/json fills kopia's struct: missing
 * fields are zero; a field of the wrong type or out of range is a ShapeError naming it.
 */
export function readDirSummary(v: unknown, path: string): DirSummary {
  const o = jsonObject(v, path);
  return {
    size: count(o, 'size', path) ?? 0,
    files: count(o, 'files', path) ?? 0,
    symlinks: count(o, 'symlinks', path) ?? 0,
    dirs: count(o, 'dirs', path) ?? 0,
    maxTime: time(o, 'maxTime', path) ?? 0n,
    incomplete: string(o, 'incomplete', path),
    numFailed: count(o, 'numFailed', path) ?? 0,
    numIgnoredErrors: count(o, 'numIgnoredErrors', path),
    errors: failedEntries(o['errors'], `${path}.errors`),
  };
}

/** A directory entry read from JSON (hostile), its object ID still text (see toDirEntry). */
export type RawDirEntry = Omit<DirEntry, 'obj'> & { readonly obj: string };

/** A directory entry read from JSON (hostile): missing fields are zero, except the object ID. */
export function readDirEntry(v: unknown, path: string): RawDirEntry {
  const o = jsonObject(v, path);
  const obj = string(o, 'obj', path, 1024);
  if (obj === undefined) throw new ShapeError(`${path}.obj`, 'missing');
  const summ = o['summ'];
  return {
    name: string(o, 'name', path) ?? '',
    type: string(o, 'type', path, 16) ?? '',
    mode: mode(o, 'mode', path) ?? 0,
    size: integer(o, 'size', path, 0, Number.MAX_SAFE_INTEGER) ?? 0,
    mtime: time(o, 'mtime', path) ?? 0n,
    uid: integer(o, 'uid', path, 0, 0xffff_ffff) ?? 0,
    gid: integer(o, 'gid', path, 0, 0xffff_ffff) ?? 0,
    obj,
    summ: summ === undefined || summ === null ? undefined : readDirSummary(summ, `${path}.summ`),
  };
}

/** readDirEntry for zod schemas (a snapshot manifest's root entry). */
export const DirEntrySchema = z.unknown().transform((v, ctx): RawDirEntry => {
  try {
    return readDirEntry(v, 'entry');
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

/** A read entry as a DirEntry; the object ID is checked (CORRUPT naming `where`). */
export function toDirEntry(e: RawDirEntry, where: string): DirEntry {
  return { ...e, obj: parseObjectId(e.obj, where) };
}
