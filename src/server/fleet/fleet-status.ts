import {
  type ClusterScheduleState,
  clusterScheduleState,
  type FleetRpoState,
} from '../../app/schedules/index.ts';
import type { LifeboatMetrics } from '../../metrics/index.ts';
import { nullObject } from '../../model/index.ts';
import type { FleetRuntime } from './fleet.ts';

const RANK: Record<FleetRpoState, number> = { ok: 0, 'at-risk': 1, breached: 2 };

export interface ClusterScheduleStatus extends ClusterScheduleState {
  schedule: string;
  location: string;
  /** The backup of this (schedule, cluster) running on this replica. */
  running: string | undefined;
}

export interface ClusterStatus {
  name: string;
  uid: string | undefined;
  labels: Record<string, string>;
  source: string;
  server: string | undefined;
  reachable: boolean;
  /** Why it is unreachable (or its kubeconfig reaches another cluster). */
  reason: string | undefined;
  /** The replica holding its Lease (undefined: nobody, or no leases: this replica). */
  owner: string | undefined;
  ownedHere: boolean;
  /** The worst RPO of its schedules ('ok' without schedules). */
  rpo: { state: FleetRpoState; reason: string };
  schedules: ClusterScheduleStatus[];
}

/** Every cluster of the fleet with its owner and, per schedule that targets it, the RPO from the store. */
export function fleetStatuses(
  fleet: FleetRuntime,
  options: {
    now: Date;
    trackingSince: Date;
    identity: string;
    running: (schedule: string, cluster: string) => string | undefined;
  },
): ClusterStatus[] {
  const units = fleet.units(false);
  const owned = fleet.owned();
  return fleet.registry.clusters.map((c) => {
    const unreachable = c.reachable ? undefined : `cluster unreachable: ${c.reason ?? 'no answer'}`;
    const schedules = units
      .filter((u) => u.cluster === c.name)
      .map((u): ClusterScheduleStatus => {
        const location = fleet.locationOf(u.schedule, c.name);
        const s = clusterScheduleState(
          u.schedule,
          fleet.index.backups(c.name, location),
          location,
          options.now,
          options.trackingSince,
        );
        const listing = fleet.index.state(c.name, location);
        const problems = [
          unreachable,
          listing?.available === false ? `its backups cannot be listed: ${listing.message ?? ''}` : undefined,
        ].filter((p): p is string => p !== undefined);
        const state = s.rpo.state === 'ok' && problems.length > 0 ? 'at-risk' : s.rpo.state;
        return {
          ...s,
          schedule: u.schedule.name,
          location,
          rpo: { ...s.rpo, state, reason: [s.rpo.reason, ...problems].join('; ') },
          running: options.running(u.schedule.name, c.name),
        };
      });
    const worst = schedules.reduce<ClusterScheduleStatus | undefined>(
      (w, s) => (w === undefined || RANK[s.rpo.state] > RANK[w.rpo.state] ? s : w),
      undefined,
    );
    return {
      name: c.name,
      uid: c.uid,
      labels: nullObject(c.labels),
      source: c.source,
      server: c.server,
      reachable: c.reachable,
      reason: c.reason,
      owner: fleet.leases === undefined ? options.identity : fleet.leases.holder(c.name),
      ownedHere: owned.has(c.name),
      rpo:
        worst === undefined
          ? { state: 'ok', reason: unreachable ?? 'no schedule targets it' }
          : { state: worst.rpo.state, reason: `${worst.schedule}: ${worst.rpo.reason}` },
      schedules,
    };
  });
}

/** Exported series, to remove those of clusters and schedules that are gone. */
const exported = new WeakMap<LifeboatMetrics, Set<string>>();

/** The fleet's gauges from the statuses (store truth): last success and RPO per (cluster, schedule), clusters, owned. */
export function updateFleetMetrics(
  m: LifeboatMetrics,
  statuses: readonly ClusterStatus[],
  replica: { identity: string; owned: number },
): void {
  const before = exported.get(m) ?? new Set<string>();
  const now = new Set<string>();
  m.fleetClusters.set(statuses.length);
  m.clusterOwned.set({ replica: replica.identity }, replica.owned);
  for (const c of statuses) {
    m.clusterReachable.set({ cluster: c.name }, c.reachable ? 1 : 0);
    now.add(JSON.stringify([c.name]));
    for (const s of c.schedules) {
      const labels = { schedule: s.schedule, cluster: c.name };
      now.add(JSON.stringify([c.name, s.schedule]));
      m.rpoBreached.set(labels, s.rpo.state === 'breached' ? 1 : 0);
      if (s.rpo.ageSeconds !== undefined) m.rpoSeconds.set(labels, s.rpo.ageSeconds);
      const completed = s.lastSuccessful?.completed;
      if (completed !== undefined) m.lastSuccessfulTimestamp.set(labels, Date.parse(completed) / 1000);
    }
  }
  for (const key of before) {
    if (now.has(key)) continue;
    const [cluster, schedule] = JSON.parse(key) as [string, string | undefined];
    if (schedule === undefined) m.clusterReachable.remove({ cluster });
    else
      for (const g of [m.rpoBreached, m.rpoSeconds, m.lastSuccessfulTimestamp])
        g.remove({ schedule, cluster });
  }
  exported.set(m, now);
}
