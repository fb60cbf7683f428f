import { backupsOfSchedule, scheduleLocation, type Schedule } from '../app/schedules/index.ts';
import { scheduleStatus, type ScheduleStatus } from '../schedule/index.ts';
import type { ServerContext } from './context.ts';
import { type ClusterStatus, fleetStatuses, updateFleetMetrics } from './fleet/index.ts';

export interface ServedScheduleStatus extends ScheduleStatus {
  location: string;
  running: string | undefined;
  skippedRuns: { due: string; reason: string }[];
  problem?: string;
}

/** A schedule's status from the synced index, with the server's own knowledge (running, skipped). */
export function statusOf(ctx: ServerContext, s: Schedule, now = new Date()): ServedScheduleStatus {
  const config = ctx.config();
  const location = scheduleLocation(config, s);
  const running = ctx.scheduler.active().find((r) => r.schedule === s.name)?.name;
  const skippedRuns = ctx
    .skipped()
    .filter((k) => k.schedule === s.name)
    .map(({ due, reason }) => ({ due, reason }));
  const status = scheduleStatus(
    s,
    backupsOfSchedule(ctx.index.backups(), s.name, location, ctx.cluster()),
    now,
    {
      trackingSince: ctx.startedAt,
    },
  );
  return { ...status, location, running, skippedRuns };
}

/** Every schedule's status; an invalid schedule is reported, not fatal. */
export function allStatuses(ctx: ServerContext, now = new Date()): ServedScheduleStatus[] {
  const out: ServedScheduleStatus[] = [];
  for (const s of ctx.config().schedules ?? []) {
    if (s.clusters !== undefined) continue; // per cluster: fleetStatuses
    try {
      out.push(statusOf(ctx, s, now));
    } catch (err) {
      out.push(invalidStatus(s, err));
    }
  }
  return out;
}

function invalidStatus(s: Schedule, err: unknown): ServedScheduleStatus {
  return {
    name: s.name,
    schedule: s.schedule,
    timezone: s.timezone ?? 'UTC',
    paused: s.paused === true,
    nextRuns: [],
    lastBackup: undefined,
    lastSuccessful: undefined,
    rpo: {
      state: 'BREACHED',
      objectiveSeconds: 0,
      ageSeconds: undefined,
      deadline: undefined,
      reason: 'invalid schedule',
    },
    missedRuns: [],
    location: s.storageLocation ?? '',
    running: undefined,
    skippedRuns: [],
    problem: err instanceof Error ? err.message : String(err),
  };
}

/** Updates the RPO and last-success gauges from the statuses (store truth, survives restarts). */
export function updateScheduleMetrics(ctx: ServerContext, statuses: readonly ServedScheduleStatus[]): void {
  const m = ctx.metrics;
  for (const s of statuses) {
    const labels = { schedule: s.name };
    m.rpoBreached.set(labels, s.rpo.state === 'BREACHED' ? 1 : 0);
    if (s.rpo.ageSeconds !== undefined) m.rpoSeconds.set(labels, s.rpo.ageSeconds);
    else m.rpoSeconds.set(labels, (Date.now() - ctx.startedAt.getTime()) / 1000);
    const good = ctx.index.find(s.lastSuccessful?.name ?? '', s.location);
    if (good?.completed !== undefined) m.lastSuccessfulTimestamp.set(labels, good.completed.getTime() / 1000);
  }
}

/** The fleet's clusters with owner and per-schedule RPO, as this replica knows them (store truth). */
export function clusterStatuses(ctx: ServerContext, now = new Date()): ClusterStatus[] {
  const active = ctx.scheduler.active();
  return fleetStatuses(ctx.fleet, {
    now,
    trackingSince: ctx.startedAt,
    identity: ctx.replica,
    running: (schedule, cluster) =>
      active.find((r) => r.schedule === schedule && r.cluster === cluster)?.name,
  });
}

/** The fleet's gauges: clusters, owned, and per (cluster, schedule) last success and RPO. */
export function updateFleetGauges(ctx: ServerContext): void {
  updateFleetMetrics(ctx.metrics, clusterStatuses(ctx), {
    identity: ctx.replica,
    owned: ctx.fleet.owned().size,
  });
}
