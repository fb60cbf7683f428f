import { posix } from 'node:path';
import * as z from 'zod';
import { LifeboatError } from '../../../errors/index.ts';
import { dictionarySchema, nullObject } from '../../../model/index.ts';
import { type DirEntry, DirEntrySchema, encodeDirEntry, toDirEntry } from './dir-entry.ts';
import { goInt, goQuote, goTime, parseGoTime } from './go-text.ts';
import { encodeLabels, type ManifestEntry } from './manifest.ts';

/**
 * kopia's snapshot manifest (snapshot/manifest.go): the payload of a manifest entry labelled
 * `type=snapshot, hostname, username, path` (plus the snapshot's tags, unprefixed).
 */
export interface SnapshotSource {
  readonly host: string;
  readonly userName: string;
  readonly path: string;
}

export interface SnapshotStats {
  readonly totalSize: number;
  readonly excludedTotalSize: number;
  readonly fileCount: number;
  readonly cachedFiles: number;
  readonly nonCachedFiles: number;
  readonly dirCount: number;
  readonly excludedFileCount: number;
  readonly excludedDirCount: number;
  readonly ignoredErrorCount: number;
  readonly errorCount: number;
}

export interface StorageUsage {
  readonly objectBytes: number;
  readonly originalContentBytes: number;
  readonly packedContentBytes: number;
  readonly fileObjects: number;
  readonly dirObjects: number;
  readonly contents: number;
}

export interface SnapshotManifest {
  /** The manifest entry's ID; stored as "" in the payload (kopia clears it before saving). */
  readonly id: string;
  readonly source: SnapshotSource;
  readonly description: string;
  /** Nanoseconds since the Unix epoch. */
  readonly startTime: bigint;
  readonly endTime: bigint;
  readonly stats: SnapshotStats;
  /** Why the snapshot is incomplete (e.g. "canceled"); empty when complete. */
  readonly incomplete?: string | undefined;
  readonly rootEntry: DirEntry | null;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly storageStats?: { readonly newData: StorageUsage; readonly runningTotal: StorageUsage } | undefined;
  readonly pins?: readonly string[] | undefined;
}

export const SNAPSHOT_MANIFEST_TYPE = 'snapshot';
const STATS_KEYS = [
  'totalSize',
  'excludedTotalSize',
  'fileCount',
  'cachedFiles',
  'nonCachedFiles',
  'dirCount',
  'excludedFileCount',
  'excludedDirCount',
  'ignoredErrorCount',
  'errorCount',
] as const;
const USAGE_KEYS = [
  'objectBytes',
  'originalContentBytes',
  'packedContentBytes',
  'fileObjects',
  'dirObjects',
  'contents',
] as const;

/** The payload's JSON as kopia's manifest manager stores it (json.Marshal; `id` written as ""). */
export function encodeSnapshotManifest(m: SnapshotManifest): string {
  const s = m.source;
  let out = `{"id":"","source":{"host":${goQuote(s.host)},"userName":${goQuote(s.userName)},"path":${goQuote(s.path)}}`;
  out += `,"description":${goQuote(m.description)},"startTime":${goTime(m.startTime)},"endTime":${goTime(m.endTime)}`;
  out += `,"stats":{${STATS_KEYS.map((k) => `"${k}":${goInt(m.stats[k])}`).join(',')}}`;
  if (m.incomplete) out += `,"incomplete":${goQuote(m.incomplete)}`;
  out += `,"rootEntry":${m.rootEntry === null ? 'null' : encodeDirEntry(m.rootEntry)}`;
  if (m.tags !== undefined && Object.keys(m.tags).length > 0) out += `,"tags":${encodeLabels(m.tags)}`;
  if (m.storageStats !== undefined) {
    const usage = (u: StorageUsage) => `{${USAGE_KEYS.map((k) => `"${k}":${goInt(u[k])}`).join(',')}}`;
    out += `,"storageStats":{"newData":${usage(m.storageStats.newData)},"runningTotal":${usage(m.storageStats.runningTotal)}}`;
  }
  if (m.pins !== undefined && m.pins.length > 0) out += `,"pins":[${m.pins.map(goQuote).join(',')}]`;
  return `${out}}`;
}

/**
 * The labels kopia gives a snapshot's manifest entry: type, hostname, username and path (the
 * last two only when set), then the tags; a tag that collides with one of them is a USAGE error.
 */
export function snapshotLabels(m: Pick<SnapshotManifest, 'source' | 'tags'>): Record<string, string> {
  const labels = nullObject<string>({ type: SNAPSHOT_MANIFEST_TYPE, hostname: m.source.host });
  if (m.source.userName !== '') labels['username'] = m.source.userName;
  if (m.source.path !== '') labels['path'] = m.source.path;
  for (const [key, value] of Object.entries(m.tags ?? {})) {
    if (Object.hasOwn(labels, key)) {
      throw new LifeboatError(
        'USAGE',
        `snapshot tag ${JSON.stringify(key)} collides with a label kopia sets`,
        {
          hint: 'Choose a tag name other than type, hostname, username and path.',
        },
      );
    }
    labels[key] = value;
  }
  return labels;
}

/** The manifest entry that stores a snapshot (without an ID yet: the writer assigns one). */
export function snapshotManifestEntry(m: SnapshotManifest, id: string, modified: bigint): ManifestEntry {
  if (m.source.host === '' || m.source.userName === '' || m.source.path === '') {
    throw new LifeboatError('USAGE', 'a snapshot needs a host, a user name and a path', {
      hint: 'Set all three parts of the snapshot source (user@host:path).',
    });
  }
  return { id, labels: snapshotLabels(m), modified, deleted: false, data: encodeSnapshotManifest(m) };
}

const Num = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).default(0);
const Time = z.string().optional();
const Usage = z.object({
  objectBytes: Num,
  originalContentBytes: Num,
  packedContentBytes: Num,
  fileObjects: Num,
  dirObjects: Num,
  contents: Num,
});
const Stats = z.object({
  totalSize: Num,
  excludedTotalSize: Num,
  fileCount: Num,
  cachedFiles: Num,
  nonCachedFiles: Num,
  dirCount: Num,
  excludedFileCount: Num,
  excludedDirCount: Num,
  ignoredErrorCount: Num,
  errorCount: Num,
});
const SnapshotSchema = z.object({
  source: z.object({ host: z.string(), userName: z.string(), path: z.string() }),
  description: z.string().default(''),
  startTime: Time,
  endTime: Time,
  stats: Stats.optional(),
  incomplete: z.string().optional(),
  rootEntry: DirEntrySchema.nullish(),
  tags: dictionarySchema(z.string()).nullish(),
  storageStats: z.object({ newData: Usage, runningTotal: Usage }).nullish(),
  pins: z.array(z.string()).nullish(),
});

/**
 * Reads a snapshot from its manifest entry (hostile): CORRUPT naming the manifest unless it is
 * labelled a snapshot and its payload has kopia's shape.
 */
export function decodeSnapshotManifest(entry: ManifestEntry): SnapshotManifest {
  const corrupt = (why: string) =>
    new LifeboatError('CORRUPT', `snapshot manifest ${entry.id} is malformed: ${why}`, {
      hint: 'The repository is damaged or was not written by kopia; run `kopia snapshot list` on it.',
    });
  if (entry.labels?.['type'] !== SNAPSHOT_MANIFEST_TYPE) throw corrupt('it is not labelled type=snapshot');
  const data: unknown = typeof entry.data === 'string' ? safeJson(entry.data) : entry.data;
  const parsed = SnapshotSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'unexpected shape'}`);
  }
  const p = parsed.data;
  const time = (text: string | undefined, field: string): bigint => {
    if (text === undefined) return 0n;
    const ns = parseGoTime(text);
    if (ns === null) throw corrupt(`${field} is not a time`);
    return ns;
  };
  return {
    id: entry.id,
    source: p.source,
    description: p.description,
    startTime: time(p.startTime, 'startTime'),
    endTime: time(p.endTime, 'endTime'),
    stats: p.stats ?? Stats.parse({}),
    incomplete: p.incomplete,
    rootEntry:
      p.rootEntry == null ? null : toDirEntry(p.rootEntry, `snapshot manifest ${entry.id} root entry`),
    tags: p.tags ?? undefined,
    storageStats: p.storageStats ?? undefined,
    pins: p.pins ?? undefined,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Who asks Velero's kopia uploader for a snapshot: file-system backup or the data mover. */
export type VeleroRequester = 'pod-volume-backup-restore' | 'snapshot-data-upload-download';

/**
 * Velero's snapshot source (pkg/uploader/kopia/snapshot.go): `default@default:` and the relative
 * path `<requester>/kopia/<realSource>`, cleaned — realSource `<ns>/<pod>/<volume>` for a pod
 * volume, `<ns>/<pvc>` for the data mover.
 */
export function veleroSnapshotSource(requester: VeleroRequester, realSource: string): SnapshotSource {
  const path = posix.normalize(`${requester}/kopia/${realSource}`).replace(/\/+$/, '');
  return { host: 'default', userName: 'default', path };
}

/** Velero's tags, description and pin for a snapshot its kopia uploader writes. */
export function veleroSnapshotFields(
  requester: VeleroRequester,
): Pick<SnapshotManifest, 'description' | 'tags' | 'pins'> {
  return {
    description: 'Kopia Uploader',
    tags: nullObject({ 'snapshot-requester': requester, 'snapshot-uploader': 'kopia' }),
    pins: ['velero-pin'],
  };
}

/**
 * A snapshot manifest as Velero's kopia uploader saves it: Velero's source, tags, description and
 * pin around the tree's root entry, times and statistics.
 */
export function veleroSnapshotManifest(
  requester: VeleroRequester,
  realSource: string,
  parts: Pick<SnapshotManifest, 'rootEntry' | 'startTime' | 'endTime' | 'stats'>,
): SnapshotManifest {
  return {
    id: '',
    source: veleroSnapshotSource(requester, realSource),
    ...veleroSnapshotFields(requester),
    ...parts,
  };
}
