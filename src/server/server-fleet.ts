import type { LifeboatConfig } from '../config/index.ts';
import type { BackupRunResult } from '../app/backup/index.ts';
import { type Schedule, scheduleLocation } from '../app/schedules/index.ts';
import type { KubeTarget } from '../kube/index.ts';
import type { Logger } from '../log/index.ts';
import { defaultReplicaId, FleetRuntime, type FleetUnit } from './fleet/index.ts';
import type { Scheduler, ScheduleUnit, SchedulerDeps } from './scheduler.ts';

/** `lifeboat server`'s fleet settings: per-cluster Leases (with leader election on), refresh, per-cluster limits. */
export interface FleetServerOptions {
  replicaId?: string | undefined;
  maxClustersPerReplica?: number | undefined;
  leaseDurationMs: number;
  refreshMs: number;
  maxClusterRuns: number;
  clusterRunTimeoutMs: number;
}

/** The server's fleet: with leader election and a fleet in the config, each cluster owned through its Lease. */
export function createFleet(o: {
  configPath: string | undefined;
  kube: KubeTarget;
  logger: Logger;
  gcPeriodMs: number;
  orphanAfterMs: number;
  config: () => LifeboatConfig;
  election: { namespace: string; identity?: string | undefined } | undefined;
  fleet?: FleetServerOptions | undefined;
  scheduler: () => Scheduler;
}): FleetRuntime {
  const f = o.fleet;
  const identity = f?.replicaId ?? o.election?.identity ?? defaultReplicaId();
  const leases =
    o.election === undefined || f === undefined || !FleetRuntime.wanted(o.config())
      ? undefined
      : {
          kube: o.kube,
          namespace: o.election.namespace,
          identity,
          leaseDurationMs: f.leaseDurationMs,
          maxPerReplica: f.maxClustersPerReplica,
        };
  return new FleetRuntime({
    configPath: o.configPath,
    config: o.config,
    logger: o.logger,
    refreshMs: f?.refreshMs ?? 60_000,
    leases,
    busy: (cluster) =>
      o
        .scheduler()
        .active()
        .some((r) => r.cluster === cluster),
    onLost: (cluster, reason) =>
      o.scheduler().abort((r) => r.cluster === cluster, `interrupted: cluster ${cluster} lost (${reason})`),
    housekeeping: {
      identity,
      startedAt: new Date(),
      gcPeriodMs: o.gcPeriodMs,
      orphanAfterMs: o.orphanAfterMs,
      running: () =>
        new Set(
          o
            .scheduler()
            .active()
            .map((r) => r.name),
        ),
      enabled: o.election === undefined || leases !== undefined,
    },
  });
}

const fleetUnit = (u: ScheduleUnit): FleetUnit | undefined =>
  u.cluster === undefined ? undefined : { schedule: u.schedule, cluster: u.cluster };

/**
 * What the scheduler runs: the server's own schedules while it leads, and the (schedule, cluster)
 * slots of the clusters it owns (without per-cluster Leases, the leader owns them all).
 */
export function unitDeps(o: {
  config: () => LifeboatConfig;
  fleet: () => FleetRuntime;
  leading: () => boolean;
  stopping: () => boolean;
  options: Pick<FleetServerOptions, 'maxClusterRuns' | 'clusterRunTimeoutMs'> | undefined;
  ownLastRunStart: (s: Schedule) => Date | undefined;
  ownRun: (s: Schedule, at: Date, signal: AbortSignal) => Promise<BackupRunResult>;
}): Pick<
  SchedulerDeps,
  'units' | 'locationOf' | 'lastRunStart' | 'run' | 'checkSlot' | 'maxClusterRuns' | 'clusterRunTimeoutMs'
> {
  const own = (s: Schedule) => s.clusters === undefined;
  return {
    units: () => {
      const fleet = o.fleet();
      const mine = o.leading()
        ? (o.config().schedules ?? []).filter(own).map((schedule) => ({ schedule, cluster: undefined }))
        : [];
      const ownsClusters = !o.stopping() && (fleet.leases !== undefined || o.leading());
      return ownsClusters ? [...mine, ...fleet.units(true)] : mine;
    },
    locationOf: (u) =>
      u.cluster === undefined ? scheduleLocation(o.config(), u.schedule) : `cluster/${u.cluster}`,
    lastRunStart: (u) => {
      const f = fleetUnit(u);
      return f === undefined ? o.ownLastRunStart(u.schedule) : o.fleet().lastRunStart(f);
    },
    run: (u, due, at, signal) => {
      const f = fleetUnit(u);
      return f === undefined ? o.ownRun(u.schedule, at, signal) : o.fleet().run(f, due, at, signal);
    },
    checkSlot: (u, name) => {
      const f = fleetUnit(u);
      return f === undefined ? Promise.resolve(undefined) : o.fleet().checkSlot(f, name);
    },
    maxClusterRuns: o.options?.maxClusterRuns ?? 4,
    clusterRunTimeoutMs: o.options?.clusterRunTimeoutMs,
  };
}
