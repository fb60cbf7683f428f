import { Counter, Gauge, type Registry } from 'prom-client';
import {
  type DrillReport,
  type DrillRequest,
  type DrillSchedule,
  listDrills,
  runDrill,
} from '../app/drill/index.ts';
import type { LifeboatConfig } from '../config/index.ts';
import { type KubeTarget, loadKubeConfig } from '../kube/index.ts';
import { parseDuration } from '../gojson/index.ts';
import type { Logger } from '../log/index.ts';
import { nullObject } from '../model/index.ts';
import type { ServerContext } from './context.ts';
import { CronSlots } from '../schedule/index.ts';

/** The drill gauges, per cluster, in the server's registry. */
export interface DrillMetrics {
  lastSuccess: Gauge<'cluster'>;
  rto: Gauge<'cluster'>;
  passed: Gauge<'cluster'>;
  lockLost: Counter<'cluster'>;
}

export function createDrillMetrics(registry: Registry): DrillMetrics {
  const registers = [registry];
  return {
    lastSuccess: new Gauge({
      name: 'lifeboat_drill_last_success_timestamp_seconds',
      help: 'Completion time of the newest Passed DR drill of the cluster (Unix seconds)',
      labelNames: ['cluster'],
      registers,
    }),
    rto: new Gauge({
      name: 'lifeboat_drill_rto_seconds',
      help: 'RTO measured by the newest DR drill of the cluster that reached ready (start → verified and ready)',
      labelNames: ['cluster'],
      registers,
    }),
    passed: new Gauge({
      name: 'lifeboat_drill_passed',
      help: '1 when the newest DR drill of the cluster Passed, 0 when it Failed',
      labelNames: ['cluster'],
      registers,
    }),
    lockLost: new Counter({
      name: 'lifeboat_drill_lock_lost_total',
      help: "DR drills of the cluster that lost their standby's lock midway (taken over or expired) and stopped Failed",
      labelNames: ['cluster'],
      registers,
    }),
  };
}

export interface DrillSchedulerDeps {
  configPath: string | undefined;
  logger: Logger;
  config: () => LifeboatConfig;
  metrics: DrillMetrics;
  /** Restores the server runs now into this standby, which a drill must never overlap. */
  restoresInto: (standby: KubeTarget) => number;
  /**
   * The cluster's standby: a configured entry's, or a discovered cluster's (from its annotation's
   * Secret, in memory); default the config entry's only.
   */
  standbyOf?: (cluster: string) => KubeTarget | undefined;
  /** Whether this replica runs the cluster's drills (it owns the cluster); default every one. */
  owns?: (cluster: string) => boolean;
  /** Every cluster whose drill metrics are read from the bucket at start; default the configured ones. */
  clusters?: () => string[];
  run?: (request: DrillRequest, deps: Parameters<typeof runDrill>[1]) => Promise<DrillReport>;
  now?: () => Date;
  tickMs?: number;
}

export interface SkippedDrill {
  schedule: string;
  due: string;
  reason: string;
}

/** A standby as its API server (two kubeconfigs may name one standby); its kubeconfig when unreadable. */
function standbyKey(s: KubeTarget): string {
  try {
    return loadKubeConfig(s).server;
  } catch {
    return `${s.kubeconfig ?? ''}\u0000${s.context ?? ''}\u0000${s.kubeconfigData?.source ?? ''}`;
  }
}

/**
 * The server's scheduled drills: each fires at its cron times; at most one drill at a time per
 * standby, and none while the server restores into that standby (a due drill is then skipped and
 * reported, never queued); a restore or drill another process runs there holds the standby's lock,
 * which the drill waits for. Sets the drill metrics from each result and, at start, from the bucket.
 */
export class DrillScheduler {
  readonly #d: DrillSchedulerDeps;
  readonly #slots = new CronSlots();
  readonly #busy = new Map<string, string>();
  readonly #running = new Set<Promise<void>>();
  readonly #controllers = new Set<AbortController>();
  readonly skipped: SkippedDrill[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: DrillSchedulerDeps) {
    this.#d = deps;
  }

  #now(): Date {
    return this.#d.now?.() ?? new Date();
  }

  start(): void {
    if (this.#timer !== undefined) return;
    void this.refreshMetrics();
    this.#timer = setInterval(() => this.tick(), this.#d.tickMs ?? 1000);
  }

  /** One scheduling pass: every due, unpaused drill schedule is started or skipped with the reason. */
  tick(): void {
    const now = this.#now();
    const schedules = this.#d.config().drills ?? [];
    this.#slots.keepOnly(new Set(schedules.map((s) => s.name)));
    for (const s of schedules) {
      const invalid = (err: unknown) =>
        this.#d.logger.error({ err }, `drill schedule ${s.name}: ${String(err)}`);
      // A schedule seen for the first time (or changed) learns its next time: nothing is due yet.
      const due = this.#slots.pass(s.name, s, now, invalid)?.takeDue();
      if (due !== undefined && s.paused !== true) this.#fire(s, due);
    }
  }

  #skip(s: DrillSchedule, due: Date, reason: string): void {
    this.skipped.push({ schedule: s.name, due: due.toISOString(), reason });
    if (this.skipped.length > 200) this.skipped.shift();
    this.#d.logger.warn(
      { drillSchedule: s.name },
      `drill ${s.name} due at ${due.toISOString()} skipped: ${reason}`,
    );
  }

  #standbyOf(cluster: string): KubeTarget | undefined {
    if (this.#d.standbyOf !== undefined) return this.#d.standbyOf(cluster);
    return (this.#d.config().clusters ?? []).find((c) => c.name === cluster)?.standby;
  }

  #fire(s: DrillSchedule, due: Date): void {
    // Another replica owns the cluster: it runs the drill (exactly one replica does).
    if (this.#d.owns !== undefined && !this.#d.owns(s.cluster)) return;
    const standby = this.#standbyOf(s.cluster);
    if (standby === undefined)
      return this.#skip(s, due, `cluster ${s.cluster} has no standby (in the config or its annotation)`);
    const key = standbyKey(standby);
    const busy = this.#busy.get(key);
    if (busy !== undefined) return this.#skip(s, due, `drill ${busy} is still running in the same standby`);
    if (this.#d.restoresInto(standby) > 0) return this.#skip(s, due, 'a restore into the standby is running');
    const controller = new AbortController();
    const name = `drill-${s.name.slice(0, 40)}-${due.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
    this.#busy.set(key, name);
    this.#controllers.add(controller);
    const run = (this.#d.run ?? runDrill)(
      {
        cluster: s.cluster,
        name,
        namespaceMapping: s.namespaceMappings ?? nullObject<string>(),
        storageClassMapping: nullObject<string>(),
        keep: false,
        workloadTimeoutMs: s.workloadTimeout === undefined ? 10 * 60_000 : parseDuration(s.workloadTimeout),
        cleanupTimeoutMs: 5 * 60_000,
        objectives: {},
        configPath: this.#d.configPath,
        storageLocation: s.storageLocation,
        // Held by a restore or drill of another process: the scheduled drill runs once it ends.
        waitLock: true,
      },
      { logger: this.#d.logger, signal: controller.signal },
    )
      .then((report) => {
        this.#record(report);
        this.#d.logger.info({ drill: name, outcome: report.outcome }, `drill ${name} ${report.outcome}`);
      })
      .catch((err: unknown) => {
        this.#d.metrics.passed.set({ cluster: s.cluster }, 0);
        this.#d.logger.error({ err, drill: name }, `drill ${name} could not run: ${String(err)}`);
      })
      .finally(() => {
        this.#busy.delete(key);
        this.#controllers.delete(controller);
        this.#running.delete(run);
      });
    this.#running.add(run);
  }

  #record(
    r: Pick<DrillReport, 'cluster' | 'outcome' | 'rtoSeconds' | 'completionTimestamp' | 'lockLost'>,
  ): void {
    const m = this.#d.metrics;
    if (r.lockLost !== undefined) m.lockLost.inc({ cluster: r.cluster });
    m.passed.set({ cluster: r.cluster }, r.outcome === 'Passed' ? 1 : 0);
    if (r.rtoSeconds !== undefined) m.rto.set({ cluster: r.cluster }, r.rtoSeconds);
    if (r.outcome === 'Passed')
      m.lastSuccess.set({ cluster: r.cluster }, Date.parse(r.completionTimestamp) / 1000);
  }

  /** The gauges from the drills in the bucket: each configured cluster's newest drill and newest Passed one. */
  async refreshMetrics(): Promise<void> {
    const clusters = this.#d.clusters?.() ?? (this.#d.config().clusters ?? []).map((c) => c.name);
    for (const name of clusters) {
      const c = { name };
      try {
        const drills = await listDrills({
          configPath: this.#d.configPath,
          location: undefined,
          logger: this.#d.logger,
          cluster: c.name,
        });
        const newest = drills.find((d) => d.problem === undefined);
        if (newest === undefined) continue;
        this.#d.metrics.passed.set({ cluster: c.name }, newest.outcome === 'Passed' ? 1 : 0);
        const timed = drills.find((d) => d.rtoSeconds !== undefined);
        if (timed?.rtoSeconds !== undefined) this.#d.metrics.rto.set({ cluster: c.name }, timed.rtoSeconds);
        const passed = drills.find((d) => d.outcome === 'Passed' && d.intact);
        if (passed !== undefined)
          this.#d.metrics.lastSuccess.set({ cluster: c.name }, Date.parse(passed.completed) / 1000);
      } catch (err) {
        this.#d.logger.warn({ err }, `cannot read the drills of cluster ${c.name}: ${String(err)}`);
      }
    }
  }

  /** Drills running now, by standby. */
  active(): string[] {
    return [...this.#busy.values()];
  }

  /** No new drill; running ones are interrupted (they clean the standby up and record it) and awaited. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const c of this.#controllers) c.abort();
    await Promise.allSettled([...this.#running]);
  }
}

/**
 * The server's drill scheduler over its live config and fleet, never overlapping the server's own
 * restores. A cluster's drills run on the replica that owns it (per-cluster Leases; without them,
 * the leader), whether the cluster is configured or discovered.
 */
export function serverDrills(context: ServerContext, leading: () => boolean): DrillScheduler {
  const target = context.restoreKube;
  const fleet = context.fleet;
  return new DrillScheduler({
    configPath: context.configPath,
    logger: context.logger,
    config: context.config,
    metrics: createDrillMetrics(context.metrics.registry),
    restoresInto: (s) => (standbyKey(s) === standbyKey(target) ? context.restoring.size : 0),
    standbyOf: (cluster) =>
      fleet.registry.find(cluster)?.standby ??
      (context.config().clusters ?? []).find((c) => c.name === cluster)?.standby,
    owns: (cluster) => (fleet.leases === undefined ? leading() : fleet.leases.owned().includes(cluster)),
    clusters: () => {
      const names = new Set((context.config().clusters ?? []).map((c) => c.name));
      for (const c of fleet.registry.clusters) names.add(c.name);
      return [...names];
    },
  });
}
