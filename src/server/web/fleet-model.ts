/**
 * The fleet overview's rows, from /api/v1/clusters when the server has it, else from the server's
 * own schedules (one cluster: the one it backs up). Pure: the fleet API is read defensively (it is
 * another module's answer, and may be newer than this page).
 */
import type { ScheduleItem, ServerInfo } from './types.ts';

export interface FleetRow {
  cluster: string;
  /** The server's own cluster (its backups are under /api/v1/backups), not a cluster of the fleet. */
  own?: boolean | undefined;
  /** A schedule of the cluster (the server's own view), or undefined for a whole-cluster row. */
  schedule?: string | undefined;
  rpo: string;
  rpoReason?: string | undefined;
  objectiveSeconds?: number | undefined;
  lastBackup?: string | undefined;
  lastBackupAt?: string | undefined;
  nextRun?: string | undefined;
  lastDrill?:
    { passed: boolean | undefined; rtoSeconds?: number | undefined; at?: string | undefined } | undefined;
  owner?: string | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function drillOf(v: unknown): FleetRow['lastDrill'] {
  const d = obj(v);
  if (d === undefined) return undefined;
  const phase = str(d['phase']) ?? str(d['outcome']);
  const passed =
    typeof d['passed'] === 'boolean' ? d['passed'] : phase === undefined ? undefined : phase === 'Passed';
  return { passed, rtoSeconds: num(d['rtoSeconds']), at: str(d['completed']) ?? str(d['started']) };
}

/** The fleet API spells RPO states in lower case (ok, at-risk, breached); the pages use the schedules' spelling. */
function rpoState(v: unknown): string {
  const s = str(v);
  if (s === undefined) return 'Unknown';
  const upper = s.toUpperCase().replaceAll('-', '_');
  return upper === 'OK' || upper === 'AT_RISK' || upper === 'BREACHED' ? upper : 'Unknown';
}

/**
 * The rows of /api/v1/clusters (fields read if present, never trusted to be): one per schedule that
 * targets a cluster, or one for the cluster when none does (its own RPO state, e.g. unreachable).
 */
export function rowsFromClusters(body: unknown): FleetRow[] {
  const items = obj(body)?.['items'];
  if (!Array.isArray(items)) return [];
  return items.flatMap((raw): FleetRow[] => {
    const c = obj(raw);
    const name = str(c?.['name']);
    if (c === undefined || name === undefined) return [];
    const owner = str(c['owner']);
    const lastDrill = drillOf(c['lastDrill']);
    const unreachable =
      c['reachable'] === false ? `unreachable: ${str(c['reason']) ?? 'no answer'}` : undefined;
    const schedules = Array.isArray(c['schedules']) ? c['schedules'].map(obj) : [];
    const rows = schedules.flatMap((sc): FleetRow[] => {
      const schedule = str(sc?.['schedule']);
      if (sc === undefined || schedule === undefined) return [];
      const rpo = obj(sc['rpo']);
      const last = obj(sc['lastSuccessful']);
      return [
        {
          cluster: name,
          schedule,
          rpo: rpoState(rpo?.['state']),
          rpoReason: str(rpo?.['reason']),
          objectiveSeconds: num(rpo?.['objectiveSeconds']),
          lastBackup: str(last?.['name']),
          lastBackupAt: str(last?.['completed']) ?? str(last?.['started']),
          nextRun: str(sc['nextRun']),
          lastDrill,
          owner,
        },
      ];
    });
    if (rows.length > 0) return rows;
    const rpo = obj(c['rpo']);
    return [
      {
        cluster: name,
        rpo: unreachable === undefined ? rpoState(rpo?.['state']) : 'AT_RISK',
        rpoReason: unreachable ?? str(rpo?.['reason']),
        lastDrill,
        owner,
      },
    ];
  });
}

/** Without a fleet API: the server's own cluster, one row per schedule. */
export function rowsFromSchedules(
  schedules: readonly ScheduleItem[],
  server: ServerInfo | undefined,
): FleetRow[] {
  const owner = server?.holder ?? server?.identity ?? (server?.isLeader === true ? 'this server' : undefined);
  return schedules.map((s) => ({
    cluster: 'this cluster',
    own: true,
    schedule: s.spec.name,
    rpo: s.status?.rpo.state ?? 'Unknown',
    rpoReason: s.status?.rpo.reason,
    objectiveSeconds: s.status?.rpo.objectiveSeconds,
    lastBackup: s.status?.lastSuccessful?.name,
    lastBackupAt: s.status?.lastSuccessful?.completed ?? s.status?.lastSuccessful?.started,
    nextRun: s.status?.nextRuns[0],
    owner,
  }));
}

/** A drill as /api/v1/drills lists it (read defensively). */
export interface DrillMark {
  name: string;
  cluster: string | undefined;
  passed: boolean;
  rtoSeconds?: number | undefined;
  at: string;
}

/** The drills of /api/v1/drills that name themselves and a time, newest first. */
export function drillMarks(body: unknown): DrillMark[] {
  const items = obj(body)?.['items'];
  if (!Array.isArray(items)) return [];
  return items
    .flatMap((raw): DrillMark[] => {
      const d = obj(raw);
      const name = str(d?.['name']);
      const at = str(d?.['completed']) ?? str(d?.['started']);
      if (d === undefined || name === undefined || at === undefined || Number.isNaN(Date.parse(at)))
        return [];
      const outcome = str(d['outcome']) ?? str(d['phase']);
      return [
        {
          name,
          cluster: str(d['cluster']),
          passed: outcome === 'Passed',
          rtoSeconds: num(d['rtoSeconds']),
          at,
        },
      ];
    })
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

/** Each row's last drill: the fleet API's when it has one, else the cluster's newest from the drills API. */
export function withDrills(rows: readonly FleetRow[], drills: readonly DrillMark[]): FleetRow[] {
  return rows.map((r) => {
    if (r.lastDrill !== undefined) return r;
    const d = drills.find((m) => m.cluster === r.cluster);
    return d === undefined
      ? r
      : { ...r, lastDrill: { passed: d.passed, rtoSeconds: d.rtoSeconds, at: d.at } };
  });
}

export interface TimelineDay {
  day: string;
  /** Backups started that day, by how they ended: Completed, PartiallyFailed, and every other end. */
  completed: number;
  partial: number;
  failed: number;
  drills: DrillMark[];
}

/** Per day of the last `days` days (oldest first): backups by how they ended, and the drills. */
export function timeline(
  backups: readonly { started?: string | undefined; phase: string }[],
  drills: readonly DrillMark[],
  now: number,
  days = 7,
): TimelineDay[] {
  const DAY = 86_400_000;
  const today = Math.floor(now / DAY);
  const out = Array.from({ length: days }, (_, i): TimelineDay => ({
    day: new Date((today - days + 1 + i) * DAY).toISOString().slice(5, 10),
    completed: 0,
    partial: 0,
    failed: 0,
    drills: [],
  }));
  const slotOf = (at: string | undefined) => {
    const t = at === undefined ? NaN : Date.parse(at);
    return Number.isNaN(t) ? undefined : out[Math.floor(t / DAY) - (today - days + 1)];
  };
  for (const b of backups) {
    const slot = slotOf(b.started);
    if (slot === undefined || b.phase === 'InProgress' || b.phase === 'New') continue;
    if (b.phase === 'Completed') slot.completed++;
    else if (b.phase === 'PartiallyFailed') slot.partial++;
    else slot.failed++;
  }
  for (const d of [...drills].reverse()) slotOf(d.at)?.drills.push(d);
  return out;
}

/** One cluster's row of the timeline: a fleet cluster, or (own) the cluster the server itself backs up. */
export interface TimelineRow {
  cluster: string;
  own: boolean;
  days: TimelineDay[];
}

/** The row name of the server's own cluster (its backups and drills name no fleet cluster). */
export const OWN_CLUSTER = 'this server’s cluster';

/**
 * The timeline per cluster: a row for every cluster of the fleet (in the given order, with or
 * without backups), then for clusters only the backups or drills still name (removed from the
 * fleet), then the server's own cluster when it has backups or drills in the window — or always
 * when there is no fleet. Each row counts only its own backups and drills.
 */
export function clusterTimelines(
  clusters: readonly string[],
  backups: readonly { cluster?: string | undefined; started?: string | undefined; phase: string }[],
  drills: readonly DrillMark[],
  now: number,
  days = 7,
): TimelineRow[] {
  const names = [...new Set(clusters)];
  const seen = new Set(names);
  const more = new Set<string>();
  for (const c of [...backups.map((b) => b.cluster), ...drills.map((d) => d.cluster)])
    if (c !== undefined && !seen.has(c)) more.add(c);
  const rows = [...names, ...[...more].sort()].map((cluster): TimelineRow => ({
    cluster,
    own: false,
    days: timeline(
      backups.filter((b) => b.cluster === cluster),
      drills.filter((d) => d.cluster === cluster),
      now,
      days,
    ),
  }));
  const own = timeline(
    backups.filter((b) => b.cluster === undefined),
    drills.filter((d) => d.cluster === undefined),
    now,
    days,
  );
  const active = own.some((d) => d.completed + d.partial + d.failed + d.drills.length > 0);
  if (active || rows.length === 0) rows.push({ cluster: OWN_CLUSTER, own: true, days: own });
  return rows;
}
