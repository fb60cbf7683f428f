import { resolveLocation, type LifeboatConfig, type Schedule } from '../../config/index.ts';
import type { ClusterScope } from '../../app/clusters/index.ts';
import { runGc } from '../../app/gc/index.ts';
import { recoverOrphans } from '../../app/sync/index.ts';
import type { Logger } from '../../log/index.ts';
import { clusterScheduleBackupName, parseScheduleBackupName } from '../../schedule/index.ts';
import type { FleetIndex } from './fleet-index.ts';

export interface FleetHousekeepingOptions {
  configPath: string | undefined;
  config: () => LifeboatConfig;
  logger: Logger;
  /** This replica: the writer its runs record in their claims. */
  identity: string;
  /** When this process started: a claim of its own identity made before is a run of a previous life. */
  startedAt: Date;
  gcPeriodMs: number;
  /** A folder whose writer is unknown (a CLI run) is left this long before it counts as crashed. */
  orphanAfterMs: number;
  /** Backup names being written by this replica right now. */
  running: () => ReadonlySet<string>;
  /**
   * False when replicas elect a leader but hold no per-cluster Leases (the config had no fleet when
   * the server started): then no replica can tell it alone owns a prefix, and none acts on one.
   */
  enabled: boolean;
}

/** What housekeeping needs of the fleet: the clusters owned now, each one's prefixes, its identity, the lease. */
export interface HousekeptFleet {
  owned(): Set<string>;
  index: FleetIndex;
  prefixesOf(cluster: string): string[];
  uidOf(cluster: string): string | undefined;
  /** Where the cluster's backups are (its registry entry's prefix). */
  scopeOf(cluster: string): ClusterScope;
  /** Renews the cluster's lease now; false when it is no longer this replica's. */
  fence(cluster: string): Promise<boolean>;
}

/** The schedule whose slot for the cluster the backup name is, for its label and TTL. */
export function slotSchedule(
  schedules: readonly Schedule[],
  cluster: string,
  name: string,
): Schedule | undefined {
  return schedules.find((s) => {
    const head = clusterScheduleBackupName(s.name, cluster, new Date(0)).slice(0, -15);
    return parseScheduleBackupName(head, name) !== undefined;
  });
}

/**
 * Crash recovery and GC under each owned cluster's prefix, by the replica holding the cluster's lease
 * only (fenced right before: two replicas never act on one prefix), from what the fleet index listed.
 * A folder without velero-backup.json that this replica is not writing is recovered as soon as the
 * cluster is owned here — at start-up, or taken over: one left unfinished by a replica that no longer
 * holds the lease is marked Failed with that reason at once (as Velero marks a backup left InProgress
 * when its server starts), one of an unknown writer (a CLI run) once it is old. Every GC period each
 * owned prefix holding backups is collected by the schedules' TTL and retention. An idle cluster (no
 * backups, nothing unfinished) costs nothing here.
 */
export class FleetHousekeeping {
  readonly #o: FleetHousekeepingOptions;
  readonly #lastGc = new Map<string, number>();
  #pass: Promise<void> | undefined;

  constructor(o: FleetHousekeepingOptions) {
    this.#o = o;
  }

  /** One pass at a time: a call while one runs waits for it instead of starting another. */
  run(fleet: HousekeptFleet): Promise<void> {
    if (!this.#o.enabled) return Promise.resolve();
    this.#pass ??= this.#run(fleet).finally(() => {
      this.#pass = undefined;
    });
    return this.#pass;
  }

  async #run(fleet: HousekeptFleet): Promise<void> {
    const owned = fleet.owned();
    for (const c of [...this.#lastGc.keys()]) if (!owned.has(c)) this.#lastGc.delete(c);
    const now = Date.now();
    const running = this.#o.running();
    for (const cluster of [...owned].sort()) {
      const gcDue = now - (this.#lastGc.get(cluster) ?? 0) >= this.#o.gcPeriodMs;
      if (gcDue) this.#lastGc.set(cluster, now);
      const work = fleet.prefixesOf(cluster).map((location) => ({
        location,
        recover: fleet.index.unfinished(cluster, location).some((n) => !running.has(n)),
        gc: gcDue && fleet.index.backups(cluster, location).length > 0,
      }));
      if (!work.some((w) => w.recover || w.gc)) continue;
      if (!(await fleet.fence(cluster))) continue;
      for (const w of work) {
        if (w.recover) await this.#recover(fleet, cluster, w.location);
        if (w.gc) await this.#gc(fleet, cluster, w.location);
      }
    }
  }

  /** Why a claim's writer is known gone: another replica (this one holds the lease now), or this one before a restart. */
  #writerGone(
    cluster: string,
    claim: { writer?: string | undefined; claimedAt: string },
  ): string | undefined {
    const me = this.#o.identity;
    const writer = claim.writer;
    if (writer === undefined) return undefined;
    if (writer !== me)
      return `replica ${writer} stopped mid-backup (it died or lost the lease of cluster ${cluster}); replica ${me} holds the lease now`;
    const claimed = Date.parse(claim.claimedAt);
    if (Number.isFinite(claimed) && claimed < this.#o.startedAt.getTime())
      return `replica ${me} restarted mid-backup`;
    return undefined;
  }

  async #recover(fleet: HousekeptFleet, cluster: string, locationName: string): Promise<void> {
    const config = this.#o.config();
    try {
      const reports = await recoverOrphans({
        configPath: this.#o.configPath,
        location: resolveLocation(config, locationName),
        logger: this.#o.logger,
        running: this.#o.running(),
        cluster: fleet.uidOf(cluster),
        olderThanMs: this.#o.orphanAfterMs,
        scheduleOf: (name) => slotSchedule(config.schedules ?? [], cluster, name),
        scope: fleet.scopeOf(cluster),
        writerGone: (claim) => this.#writerGone(cluster, claim),
      });
      for (const r of reports.filter((x) => x.action === 'marked Failed'))
        this.#o.logger.warn(
          { backup: r.name, cluster, location: locationName },
          `cluster ${cluster}: backup ${r.name} left unfinished marked Failed`,
        );
    } catch (err) {
      this.#o.logger.warn(
        { err, cluster, location: locationName },
        `crash recovery of cluster ${cluster} in ${locationName} failed: ${String(err)}`,
      );
    }
  }

  async #gc(fleet: HousekeptFleet, cluster: string, location: string): Promise<void> {
    try {
      const report = await runGc({
        configPath: this.#o.configPath,
        logger: this.#o.logger,
        dryRun: false,
        records: fleet.index.backups(cluster, location),
        running: this.#o.running(),
        cluster: fleet.uidOf(cluster),
        scope: fleet.scopeOf(cluster),
        onDeleted: (loc, name) => fleet.index.forget(cluster, loc, name),
      });
      for (const f of report.failed)
        this.#o.logger.warn(
          { cluster, backup: f.name },
          `gc of cluster ${cluster}: cannot delete ${f.name}: ${f.message}`,
        );
    } catch (err) {
      this.#o.logger.warn({ err, cluster }, `gc of cluster ${cluster} failed: ${String(err)}`);
    }
  }
}
