import { type LifeboatConfig, loadConfig, resolveLocation } from '../../config/index.ts';
import { mapBounded } from '../../concurrency/index.ts';
import type { Logger } from '../../log/index.ts';
import type { BackupHooksSpec } from '../../model/index.ts';
import { type RpoState, scheduleStatus, type ScheduleStatus } from '../../schedule/index.ts';
import {
  ClusterRegistry,
  configuredCandidates,
  type FleetCluster,
  managementClusterName,
} from '../clusters/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import { openLocation } from '../deps/index.ts';
import { type BackupRecord, toBackupRecord } from '../sync/sync.ts';
import { backupsOfSchedule, describeSchedules, findSchedule, type Schedule } from './schedule.ts';
import { scheduleTargets } from './schedule-targets.ts';

/** RPO states as the fleet (API, describe) spells them. */
export type FleetRpoState = 'ok' | 'at-risk' | 'breached';
const STATE: Record<RpoState, FleetRpoState> = { OK: 'ok', AT_RISK: 'at-risk', BREACHED: 'breached' };

/** One (schedule, cluster): from the backups under the cluster's prefix. */
export interface ClusterScheduleState {
  lastSuccessful: ScheduleStatus['lastSuccessful'];
  lastBackup: ScheduleStatus['lastBackup'];
  rpo: Omit<ScheduleStatus['rpo'], 'state'> & { state: FleetRpoState };
  missedRuns: ScheduleStatus['missedRuns'];
  /** When its next slot is due (none while paused). */
  nextRun: string | undefined;
}

/** The status of one (schedule, cluster) from the cluster's records in the location: what /api/v1/clusters and schedule describe show. */
export function clusterScheduleState(
  schedule: Schedule,
  records: readonly BackupRecord[],
  location: string,
  now: Date,
  trackingSince?: Date,
): ClusterScheduleState {
  const s = scheduleStatus(schedule, backupsOfSchedule(records, schedule.name, location), now, {
    trackingSince,
  });
  return {
    lastSuccessful: s.lastSuccessful,
    lastBackup: s.lastBackup,
    rpo: { ...s.rpo, state: STATE[s.rpo.state] },
    missedRuns: s.missedRuns,
    nextRun: s.nextRuns[0],
  };
}

/** `schedule describe` of a `--clusters` schedule: one row per target cluster. */
export interface ClusterScheduleRow extends ClusterScheduleState {
  cluster: string;
  location: string;
  /** The replica holding the cluster's Lease (undefined: none, or unknown). */
  owner: string | undefined;
  /** Why the row may be incomplete: the prefix could not be listed. */
  problem?: string | undefined;
}

/** The location a schedule writes a cluster's backups to: the schedule's, else the cluster's, else the default. */
export function clusterScheduleLocation(
  config: LifeboatConfig,
  schedule: Schedule,
  cluster: Pick<FleetCluster, 'location'>,
): string {
  return resolveLocation(config, schedule.storageLocation ?? cluster.location).name;
}

/**
 * Each target cluster of the schedules (the fleet as configured and discovered, not probed) with its
 * status read from velero-backup.json under its prefix, 8 clusters at a time; `owners` says who holds
 * each cluster's Lease.
 */
export async function describeClusterSchedules(
  config: LifeboatConfig,
  options: {
    configPath: string | undefined;
    logger: Logger;
    now: Date;
    owners?: ((clusters: readonly string[]) => Promise<ReadonlyMap<string, string>>) | undefined;
  },
  schedules: readonly Schedule[],
): Promise<Map<string, ClusterScheduleRow[]>> {
  const out = new Map<string, ClusterScheduleRow[]>();
  const fleeted = schedules.filter((s) => s.clusters !== undefined);
  if (fleeted.length === 0) return out;
  const registry = new ClusterRegistry({
    load: () => Promise.resolve(config),
    probe: () => Promise.resolve({ reachable: false }),
  });
  const clusters = (await registry.refresh()).clusters;
  const owners = await (options.owners?.(clusters.map((c) => c.name)) ??
    Promise.resolve(new Map<string, string>()));
  const listings = new Map<string, Promise<BackupRecord[]>>();
  const records = (cluster: string, location: string) => {
    const key = `${cluster}\n${location}`;
    let listed = listings.get(key);
    if (listed === undefined) {
      listed = listPrefix(options, cluster, location);
      listings.set(key, listed);
    }
    return listed;
  };
  for (const schedule of fleeted) {
    const targets = scheduleTargets(schedule, clusters) ?? [];
    const rows = await mapBounded(targets, 8, async (c): Promise<ClusterScheduleRow> => {
      const location = clusterScheduleLocation(config, schedule, c);
      let found: BackupRecord[] = [];
      let problem: string | undefined;
      try {
        found = await records(c.name, location);
      } catch (err) {
        problem = `its backups cannot be listed: ${err instanceof Error ? err.message : String(err)}`;
      }
      const state = clusterScheduleState(schedule, found, location, options.now);
      if (problem !== undefined && state.rpo.state === 'ok')
        state.rpo = { ...state.rpo, state: 'at-risk', reason: `${state.rpo.reason}; ${problem}` };
      return { cluster: c.name, location, owner: owners.get(c.name), ...state, problem };
    });
    out.set(schedule.name, rows);
  }
  return out;
}

async function listPrefix(
  options: { configPath: string | undefined; logger: Logger },
  cluster: string,
  location: string,
): Promise<BackupRecord[]> {
  const opened = await openLocation(options.configPath, location, options.logger, cluster);
  try {
    const names = await opened.backupStore.listBackupNames();
    const found = await mapBounded(names, 16, (n) =>
      opened.backupStore
        .getBackup(n)
        .then((b) => toBackupRecord(b, opened.location.name))
        .catch(() => undefined),
    );
    return found.filter((r): r is BackupRecord => r !== undefined);
  } finally {
    await opened.close();
  }
}

/** `schedule describe`: each schedule's status; a `--clusters` schedule's with a row per target cluster. */
export async function describeFleetSchedules(
  configPath: string | undefined,
  logger: Logger,
  names: readonly string[] | undefined,
  owners?: (clusters: readonly string[]) => Promise<ReadonlyMap<string, string>>,
  now = new Date(),
): Promise<DescribedSchedule[]> {
  const config = await loadConfig(configPath);
  const schedules =
    names === undefined ? (config.schedules ?? []) : names.map((n) => findSchedule(config, n));
  const statuses = await describeSchedules(configPath, logger, names, now);
  const rows = await describeClusterSchedules(config, { configPath, logger, now, owners }, schedules);
  const hooksOf = new Map(schedules.map((s) => [s.name, s.template?.hooks]));
  return statuses.map((s) => {
    const clusters = rows.get(s.name);
    const hooks = hooksOf.get(s.name);
    return {
      ...s,
      ...(hooks?.resources === undefined || hooks.resources.length === 0 ? {} : { hooks }),
      ...(clusters === undefined ? {} : { clusters }),
    };
  });
}

/**
 * What `schedule describe` shows of a schedule: its status, the hooks its backups run (its template's
 * spec.hooks, as configured) and, for a --clusters schedule, one row per target cluster.
 */
export type DescribedSchedule = ScheduleStatus & {
  hooks?: BackupHooksSpec;
  clusters?: ClusterScheduleRow[];
};

/** Where the fleet's Leases are: the management cluster's entry (its kubeconfig from the config file's folder), if the config names one. */
export async function managementTarget(configPath: string | undefined): Promise<KubeTarget | undefined> {
  const config = await loadConfig(configPath);
  const name = managementClusterName(config);
  return configuredCandidates(config).find((c) => c.name === name)?.target;
}
