import { resolveLocation, type LifeboatConfig } from '../../config/index.ts';
import {
  clusterLocation,
  ClusterRegistry,
  type ClusterScope,
  type FleetCluster,
  scopeOf,
} from '../../app/clusters/index.ts';
import { openStores } from '../../app/deps/index.ts';
import type { BackupRunResult } from '../../app/backup/index.ts';
import { runScheduleBackup, type Schedule, scheduleTargets } from '../../app/schedules/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import { ClusterLeases, type ClusterLeasesOptions } from './cluster-leases.ts';
import { FleetHousekeeping, type FleetHousekeepingOptions } from './fleet-housekeeping.ts';
import { FleetIndex } from './fleet-index.ts';

export interface FleetOptions {
  configPath: string | undefined;
  config: () => LifeboatConfig;
  logger: Logger;
  /** How often the fleet is discovered and probed again. */
  refreshMs: number;
  /** Per-cluster Leases (with more than one replica); without, this replica owns every cluster. */
  leases?: Omit<ClusterLeasesOptions, 'fleet' | 'logger' | 'busy' | 'onLost'> | undefined;
  busy: (cluster: string) => boolean;
  onLost: (cluster: string, reason: string) => void;
  /** Crash recovery and GC of the owned clusters' prefixes (this replica's identity, periods, running names). */
  housekeeping: Omit<FleetHousekeepingOptions, 'configPath' | 'config' | 'logger'>;
}

/** A schedule's slot for one cluster, as the scheduler asks for it. */
export interface FleetUnit {
  schedule: Schedule;
  cluster: string;
}

/**
 * The fleet as the server runs it: the clusters (configured and discovered, refreshed and probed),
 * who owns each (Leases), and each cluster's backups under its prefix. Only clusters this replica
 * owns are scheduled here; every replica lists every cluster's backups, so each one reports true
 * RPOs for the whole fleet.
 */
export class FleetRuntime {
  readonly registry: ClusterRegistry;
  readonly index: FleetIndex;
  readonly leases: ClusterLeases | undefined;
  readonly #o: FleetOptions;
  readonly #abort = new AbortController();
  readonly #housekeeping: FleetHousekeeping;
  #watching: Promise<void> | undefined;
  problems: string[] = [];

  constructor(o: FleetOptions) {
    this.#o = o;
    this.registry = new ClusterRegistry({ load: () => Promise.resolve(o.config()) });
    this.index = new FleetIndex(o.logger);
    this.#housekeeping = new FleetHousekeeping({
      ...o.housekeeping,
      configPath: o.configPath,
      config: o.config,
      logger: o.logger,
    });
    this.leases =
      o.leases === undefined
        ? undefined
        : new ClusterLeases({
            ...o.leases,
            logger: o.logger,
            fleet: () => this.registry.clusters,
            busy: o.busy,
            onLost: o.onLost,
          });
  }

  /** True when some schedule targets clusters, or the config names a fleet. */
  static wanted(config: LifeboatConfig): boolean {
    return (
      (config.schedules ?? []).some((s) => s.clusters !== undefined) ||
      (config.clusters ?? []).length > 0 ||
      config.fleet !== undefined
    );
  }

  /** Refreshes the fleet now and every refresh period; takes leases once the fleet is known. */
  async start(): Promise<void> {
    let first: () => void = () => undefined;
    const known = new Promise<void>((done) => (first = done));
    this.#watching = this.registry.watch(
      this.#o.refreshMs,
      this.#abort.signal,
      (r) => {
        this.problems = r.problems;
        for (const c of r.added) this.#o.logger.info({ cluster: c.name }, `fleet: cluster ${c.name} added`);
        for (const c of r.removed)
          this.#o.logger.info({ cluster: c.name }, `fleet: cluster ${c.name} removed`);
        first();
      },
      (err) => {
        this.problems = [`cannot refresh the fleet: ${err instanceof Error ? err.message : String(err)}`];
        first();
      },
    );
    await known;
    this.leases?.start();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#watching;
    await this.leases?.stop();
  }

  /** This replica, as its runs' claims name it. */
  get identity(): string {
    return this.#o.housekeeping.identity;
  }

  /** Clusters this replica runs the schedules of. */
  owned(): Set<string> {
    return new Set(this.leases?.owned() ?? this.registry.clusters.map((c) => c.name));
  }

  /** Every (schedule, cluster) of the fleet, or only the owned ones. */
  units(ownedOnly: boolean): FleetUnit[] {
    const owned = ownedOnly ? this.owned() : undefined;
    const out: FleetUnit[] = [];
    for (const schedule of this.#o.config().schedules ?? []) {
      let targets: FleetCluster[] | undefined;
      try {
        targets = scheduleTargets(schedule, this.registry.clusters);
      } catch {
        continue; // an invalid selector: the schedule's status says so
      }
      for (const c of targets ?? [])
        if (owned === undefined || owned.has(c.name)) out.push({ schedule, cluster: c.name });
    }
    return out;
  }

  /** Where the cluster's backups are, as the registry knows it (a discovered cluster's prefix included). */
  scope(cluster: string): ClusterScope {
    const c = this.registry.find(cluster);
    return c === undefined ? { name: cluster } : scopeOf(c);
  }

  /** The location a schedule writes a cluster's backups to: the schedule's, else the cluster's, else the default. */
  locationOf(schedule: Schedule, cluster: string): string {
    return resolveLocation(this.#o.config(), schedule.storageLocation ?? this.scope(cluster).location).name;
  }

  /** Each (cluster, location) some schedule writes to. */
  #prefixes(): { scope: ClusterScope; location: string }[] {
    const seen = new Set<string>();
    const prefixes: { scope: ClusterScope; location: string }[] = [];
    for (const u of this.units(false)) {
      const location = this.locationOf(u.schedule, u.cluster);
      if (seen.has(`${u.cluster}\n${location}`)) continue;
      seen.add(`${u.cluster}\n${location}`);
      prefixes.push({ scope: this.scope(u.cluster), location });
    }
    return prefixes;
  }

  /**
   * Lists every cluster's prefix in each location its schedules write to; then recovers and collects
   * the prefixes of the clusters this replica owns.
   */
  async sync(): Promise<void> {
    const prefixes = this.#prefixes();
    await this.index.sync(this.#o.config(), prefixes);
    await this.#housekeeping.run({
      owned: () => this.owned(),
      index: this.index,
      prefixesOf: (cluster) => prefixes.filter((p) => p.scope.name === cluster).map((p) => p.location),
      uidOf: (cluster) => this.registry.find(cluster)?.uid,
      scopeOf: (cluster) => this.scope(cluster),
      fence: (cluster) => (this.leases === undefined ? Promise.resolve(true) : this.leases.fence(cluster)),
    });
  }

  lastRunStart(u: FleetUnit): Date | undefined {
    return this.index
      .backups(u.cluster, this.locationOf(u.schedule, u.cluster))
      .find((b) => b.schedule === u.schedule.name)?.started;
  }

  /** Runs the slot's backup with the cluster's own kubeconfig, under its prefix. */
  run(u: FleetUnit, due: Date, at: Date, signal: AbortSignal): Promise<BackupRunResult> {
    const target: KubeTarget = this.registry.find(u.cluster)?.target ?? {};
    return runScheduleBackup(u.schedule, {
      configPath: this.#o.configPath,
      kube: target,
      logger: this.#o.logger,
      signal,
      at,
      cluster: { name: u.cluster, due, writer: this.#o.housekeeping.identity, scope: this.scope(u.cluster) },
    });
  }

  /**
   * Before a slot runs: the cluster must still be this replica's (its lease renewed now, so a replica
   * that lost it never writes), and the slot's backup must not be stored yet (any phase).
   */
  checkSlot(u: FleetUnit, name: string): Promise<string | undefined> {
    return this.checkName(u.cluster, this.locationOf(u.schedule, u.cluster), name);
  }

  /** Before a backup of the cluster runs here: still owned (fenced now), its name not stored yet. */
  async checkName(cluster: string, locationName: string, name: string): Promise<string | undefined> {
    if (this.registry.find(cluster) === undefined) return `cluster ${cluster} is no longer in the fleet`;
    if (this.leases !== undefined && !(await this.leases.fence(cluster)))
      return `cluster ${cluster} is no longer owned by this replica`;
    const location = resolveLocation(this.#o.config(), locationName);
    const opened = await openStores(clusterLocation(location, this.scope(cluster)), {
      logger: this.#o.logger,
    });
    try {
      if (await opened.backupStore.backupExists(name)) return `its backup ${name} is already stored`;
    } finally {
      await opened.close();
    }
    return undefined;
  }
}
