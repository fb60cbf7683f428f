import { LifeboatError } from '../errors/index.ts';
import { parseDuration } from '../gojson/index.ts';
import { BUCKET_KINDS, bucketKey, type BucketKind } from './buckets.ts';

/**
 * Retention selection (pure). Without a policy, Velero's TTL decides: a backup goes once expired.
 * With a policy, the rules decide which Completed backups stay — the newest `keepLast`, every one
 * started `within` the duration, and the newest of each of the last N hours/days/ISO weeks/months/years
 * in the schedule's time zone — and the TTL no longer removes them. PartiallyFailed and Failed backups
 * never count as kept good backups: they go at their TTL. Whatever the rules say, the newest Completed
 * backup of a schedule (or, when it has none, its newest PartiallyFailed one) is never deleted, and
 * unfinished or unreadable backups are never touched.
 *
 * Clusters sharing a bucket (DESIGN.md §8): the rules act only on the backups of the cluster GC runs
 * for (`self`, its kube-system UID), grouped per location, schedule and cluster. A backup recording
 * another cluster's identity is never deleted: that cluster's own GC decides (its rules may keep it
 * past its TTL). A backup recording no identity (Velero-made, or older lifeboat) is never deleted by
 * the rules either; it goes at its own TTL, as Velero's GC deletes every expired backup of its
 * location — except a Completed one of a schedule with rules, which then stays (those rules may be
 * what kept it past its TTL): delete it by hand.
 */
export interface RetentionPolicy {
  keepLast?: number | undefined;
  /** Go duration: keep every Completed backup younger than this. */
  within?: string | undefined;
  hourly?: number | undefined;
  daily?: number | undefined;
  weekly?: number | undefined;
  monthly?: number | undefined;
  yearly?: number | undefined;
}

export interface RetentionBackup {
  name: string;
  location: string;
  /** The velero.io/schedule-name label. */
  schedule?: string | undefined;
  /** The source cluster's identity (lifeboat.io/cluster-uid); undefined when it records none. */
  cluster?: string | undefined;
  /** Undefined when velero-backup.json could not be read. */
  phase: string | undefined;
  started: Date | undefined;
  expiration: Date | undefined;
}

export interface ScheduleRetention {
  policy?: RetentionPolicy | undefined;
  timeZone: string;
}

export interface RetentionDecision {
  name: string;
  location: string;
  schedule: string | undefined;
  delete: boolean;
  /** Why it stays or goes, e.g. ["daily 2025-03-30", "keep-last"] or ["expired 2025-…"]. */
  reasons: string[];
}

const TERMINAL = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);

/** Whose a group of backups is, seen from the cluster GC runs for. */
type Owner = 'self' | 'other' | 'none';

export function selectRetention(
  backups: readonly RetentionBackup[],
  scheduleOf: (name: string) => ScheduleRetention | undefined,
  now: Date,
  self?: string,
): RetentionDecision[] {
  const groups = new Map<string, RetentionBackup[]>();
  for (const b of backups) {
    const key = `${b.location}\u0000${b.schedule ?? ''}\u0000${b.cluster ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  const out: RetentionDecision[] = [];
  for (const group of groups.values()) {
    const schedule = group[0]?.schedule;
    const cluster = group[0]?.cluster;
    const owner: Owner = cluster === undefined ? 'none' : cluster === self ? 'self' : 'other';
    if (owner === 'other') {
      out.push(...group.map((b) => otherCluster(b)));
      continue;
    }
    out.push(...decideGroup(group, schedule === undefined ? undefined : scheduleOf(schedule), now, owner));
  }
  return out.sort((a, b) => a.location.localeCompare(b.location) || a.name.localeCompare(b.name));
}

function otherCluster(b: RetentionBackup): RetentionDecision {
  return {
    name: b.name,
    location: b.location,
    schedule: b.schedule,
    delete: false,
    reasons: [`backup of another cluster (kube-system UID ${b.cluster ?? ''}): left to its own GC`],
  };
}

function decideGroup(
  group: readonly RetentionBackup[],
  schedule: ScheduleRetention | undefined,
  now: Date,
  owner: Owner,
): RetentionDecision[] {
  const newestFirst = [...group].sort(
    (a, b) => (b.started?.getTime() ?? 0) - (a.started?.getTime() ?? 0) || b.name.localeCompare(a.name),
  );
  const reasons = new Map<RetentionBackup, string[]>(newestFirst.map((b) => [b, []]));
  const keep = (b: RetentionBackup, why: string) => reasons.get(b)?.push(why);
  const good = newestFirst.filter((b) => b.phase === 'Completed' && b.started !== undefined);
  if (group[0]?.schedule !== undefined) {
    const lastGood = good[0] ?? newestFirst.find((b) => b.phase === 'PartiallyFailed');
    if (lastGood !== undefined)
      keep(lastGood, lastGood.phase === 'Completed' ? 'newest completed' : 'newest restorable');
  }
  const policy = schedule?.policy;
  if (policy !== undefined && owner === 'self')
    applyRules(good, policy, schedule?.timeZone ?? 'UTC', now, keep);
  return newestFirst.map((b) => {
    const why = reasons.get(b) ?? [];
    const base = { name: b.name, location: b.location, schedule: b.schedule };
    if (b.phase === undefined || b.started === undefined)
      return { ...base, delete: false, reasons: ['unreadable or undated: never deleted'] };
    if (!TERMINAL.has(b.phase)) return { ...base, delete: false, reasons: [`${b.phase}: not finished`] };
    if (why.length > 0) return { ...base, delete: false, reasons: why };
    if (owner === 'none' && policy !== undefined && b.phase === 'Completed')
      return { ...base, delete: false, reasons: ['records no cluster identity: retention rules leave it'] };
    const ruled = policy !== undefined && b.phase === 'Completed';
    if (ruled) return { ...base, delete: true, reasons: ['kept by no retention rule'] };
    if (b.expiration !== undefined && b.expiration.getTime() <= now.getTime())
      return { ...base, delete: true, reasons: [`expired ${b.expiration.toISOString()}`] };
    return {
      ...base,
      delete: false,
      reasons: [b.expiration === undefined ? 'no expiration' : `expires ${b.expiration.toISOString()}`],
    };
  });
}

function applyRules(
  good: readonly RetentionBackup[],
  policy: RetentionPolicy,
  timeZone: string,
  now: Date,
  keep: (b: RetentionBackup, why: string) => void,
): void {
  good.slice(0, policy.keepLast ?? 0).forEach((b) => keep(b, 'keep-last'));
  if (policy.within !== undefined) {
    const cutoff = now.getTime() - parseDuration(policy.within, 'within');
    for (const b of good) if ((b.started?.getTime() ?? 0) > cutoff) keep(b, `within ${policy.within}`);
  }
  for (const kind of BUCKET_KINDS) {
    const count = policy[kind] ?? 0;
    let last: string | undefined;
    let kept = 0;
    for (const b of good) {
      if (kept >= count) break;
      const key = bucketKey(kind, b.started ?? now, timeZone);
      if (key === last) continue;
      last = key;
      kept++;
      keep(b, `${kind} ${key}`);
    }
  }
}

const FLAG_KEYS: ReadonlyMap<string, keyof RetentionPolicy> = new Map<string, keyof RetentionPolicy>([
  ['keep-last', 'keepLast'],
  ['within', 'within'],
  ...BUCKET_KINDS.map((k: BucketKind): [string, BucketKind] => [k, k]),
]);

/** "keep-last=3,daily=7,weekly=4,within=24h" → policy; USAGE errors name the key at fault. */
export function parseRetention(text: string): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [rawKey = '', value = ''] = part.split('=', 2).map((s) => s.trim());
    const key = FLAG_KEYS.get(rawKey);
    if (key === undefined)
      throw usage(`unknown retention rule '${rawKey}'`, `rules: ${[...FLAG_KEYS.keys()].join(', ')}`);
    if (key === 'within') {
      try {
        parseDuration(value, 'within');
      } catch {
        throw usage(`retention within=${value}: not a Go duration`, 'e.g. within=24h');
      }
      policy.within = value;
    } else {
      if (!/^\d+$/.test(value) || Number(value) > 100_000)
        throw usage(`retention ${rawKey}=${value}: must be a whole number`, `e.g. ${rawKey}=7`);
      policy[key] = Number(value);
    }
  }
  if (Object.keys(policy).length === 0) throw usage('empty retention', 'e.g. keep-last=3,daily=7');
  return policy;
}

export function formatRetention(policy: RetentionPolicy | undefined): string {
  if (policy === undefined) return '';
  return [...FLAG_KEYS]
    .filter(([, key]) => policy[key] !== undefined)
    .map(([flag, key]) => `${flag}=${String(policy[key])}`)
    .join(',');
}

function usage(message: string, hint: string): LifeboatError {
  return new LifeboatError('USAGE', `--retention: ${message}`, { hint });
}
