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

const Count = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const Size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Id32 = z.number().int().nonnegative().max(0xffff_ffff);
const Time = z.string().transform((text, ctx) => {
  const ns = parseGoTime(text);
  if (ns === null) {
    ctx.addIssue({ code: 'custom', message: `malformed time ${JSON.stringify(text.slice(0, 40))}` });
    return z.NEVER;
  }
  return ns;
});
/** strconv.ParseInt(s, 0, 32) as kopia reads modes: octal with a leading 0, else decimal or 0x hex. */
const Mode = z.string().transform((text, ctx) => {
  const m = /^(?:0([0-7]*)|([1-9][0-9]*)|0[xX]([0-9a-fA-F]+))$/.exec(text);
  const value =
    m === null
      ? NaN
      : m[1] !== undefined
        ? parseInt(m[1] || '0', 8)
        : m[2] !== undefined
          ? Number(m[2])
          : parseInt(m[3] ?? '', 16);
  if (!(value >= 0 && value <= 0x7fff_ffff)) {
    ctx.addIssue({ code: 'custom', message: `malformed mode ${JSON.stringify(text.slice(0, 40))}` });
    return z.NEVER;
  }
  return value;
});

export const DirSummarySchema = z.object({
  size: Count.default(0),
  files: Count.default(0),
  symlinks: Count.default(0),
  dirs: Count.default(0),
  maxTime: Time.optional(),
  incomplete: z.string().optional(),
  numFailed: Count.default(0),
  numIgnoredErrors: Count.optional(),
  errors: z
    .array(z.object({ path: z.string(), error: z.string() }))
    .nullish()
    .transform((v) => v ?? undefined),
});

export const DirEntrySchema = z.object({
  name: z.string().default(''),
  type: z.string().max(16).default(''),
  mode: Mode.optional(),
  size: Size.default(0),
  mtime: Time.optional(),
  uid: Id32.default(0),
  gid: Id32.default(0),
  obj: z.string().max(1024),
  summ: DirSummarySchema.nullish(),
});

type RawSummary = z.output<typeof DirSummarySchema>;

export function toDirSummary(s: RawSummary): DirSummary {
  return {
    size: s.size,
    files: s.files,
    symlinks: s.symlinks,
    dirs: s.dirs,
    maxTime: s.maxTime ?? 0n,
    incomplete: s.incomplete,
    numFailed: s.numFailed,
    numIgnoredErrors: s.numIgnoredErrors,
    errors: s.errors,
  };
}

/** A parsed entry as a DirEntry; the object ID is checked (CORRUPT naming `where`). */
export function toDirEntry(e: z.output<typeof DirEntrySchema>, where: string): DirEntry {
  return {
    name: e.name,
    type: e.type,
    mode: e.mode ?? 0,
    size: e.size,
    mtime: e.mtime ?? 0n,
    uid: e.uid,
    gid: e.gid,
    obj: parseObjectId(e.obj, where),
    summ: e.summ == null ? undefined : toDirSummary(e.summ),
  };
}
