import { runGc } from '../app/gc/index.ts';
import type { BackupRequest } from '../app/backup/index.ts';
import { runScheduleBackup, scheduleLocation } from '../app/schedules/index.ts';
import { LeaseElector } from './leader-election.ts';
import { BackupIndex, ofCluster } from '../app/sync/index.ts';
import { readClusterUid } from '../app/deps/index.ts';
import type { Logger } from '../log/index.ts';
import { createMetrics, type LifeboatMetrics } from '../metrics/index.ts';
import { buildApi, checkAuthSettings, kubernetesAuth, tokenAuth, type AuthMode } from './http/index.ts';
import { KubeReviewer } from './kube-auth.ts';
import { sharedTicketKey } from './ticket-key.ts';
import type { ServerContext } from './context.ts';
import { recoverAll, recordRun } from './housekeeping.ts';
import { LiveConfig } from './live-config.ts';
import { Scheduler, type SkippedRun } from './scheduler.ts';
import { type DrillScheduler, serverDrills } from './drills.ts';
import { createFleet, type FleetServerOptions, unitDeps } from './server-fleet.ts';
import { allStatuses, updateFleetGauges, updateScheduleMetrics } from './status.ts';
import { defaultReplicaId, type FleetRuntime } from './fleet/index.ts';

export interface ServerOptions {
  configPath: string | undefined;
  kube: BackupRequest['kube'];
  logger: Logger;
  host: string;
  port: number;
  token: string | undefined;
  insecureNoAuth: boolean;
  /** /metrics without auth (for scrapers that have no credentials); default: authenticated like the API. */
  metricsPublic?: boolean;
  /** token (default): the shared bearer token; kubernetes: TokenReview + SubjectAccessReview. */
  auth?: AuthMode;
  /** --auth kubernetes: namespace of the access reviews (default cluster-wide) and token audiences. */
  authNamespace?: string | undefined;
  authAudiences?: readonly string[] | undefined;
  syncPeriodMs: number;
  gcPeriodMs: number;
  maxPerLocation: number;
  shutdownGraceMs: number;
  /** A folder without velero-backup.json older than this is a crashed backup (marked Failed). */
  orphanAfterMs: number;
  restoreEnabled: boolean;
  restoreKube?: BackupRequest['kube'];
  leaderElection?: { namespace: string; name: string; leaseDurationMs: number; identity?: string };
  fleet?: FleetServerOptions;
}

export interface RunningServer {
  url: string;
  context: ServerContext;
  /** Graceful shutdown: no new runs, running backups finish within the grace period or are marked Failed. */
  shutdown(reason: string): Promise<void>;
}

/**
 * `lifeboat server`: syncs every location's backups, runs the schedules and GC (only while it is the
 * leader, when leader election is on), serves the HTTP API and /metrics. The steps, in order: load the
 * config, build the parts, start syncing and GC, listen, then lead (or stand for election).
 */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  checkAuthSettings(o.host, o.token, o.insecureNoAuth, o.auth);
  const server = new Server(o, await LiveConfig.load(o.configPath, o.logger));
  server.startPeriodicWork();
  const url = await server.listen();
  server.startLeading();
  return { url, context: server.context, shutdown: (reason) => server.shutdown(reason) };
}

/** Runs skipped because the previous one was still on are kept, newest last, up to this many. */
const MAX_SKIPPED = 200;

/** The running server's parts and the little state they share (the cluster's identity, stopping). */
class Server {
  readonly context: ServerContext;
  readonly #o: ServerOptions;
  readonly #config: LiveConfig;
  readonly #index: BackupIndex;
  readonly #scheduler: Scheduler;
  readonly #elector: LeaseElector | undefined;
  readonly #drills: DrillScheduler;
  readonly #fleet: FleetRuntime;
  /** Leading: the server's own schedules, GC and recovery run here (after recovery). */
  #leading = false;
  readonly #skipped: SkippedRun[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  /** The backed-up cluster's identity: read at the first sync (and again at each one until it is known). */
  #clusterId: string | undefined;
  #stopping = false;
  #synced: Promise<void> | undefined;
  #app: ReturnType<typeof buildApi> | undefined;
  #reviewer: KubeReviewer | undefined;
  #done: Promise<void> | undefined;

  constructor(o: ServerOptions, config: LiveConfig) {
    this.#o = o;
    this.#config = config;
    const metrics = createMetrics();
    this.#index = new BackupIndex({
      configPath: o.configPath,
      logger: o.logger,
      onError: (location) => metrics.storeRequestErrors.inc({ location, operation: 'sync' }),
    });
    this.#scheduler = this.#createScheduler(metrics);
    this.#fleet = createFleet({
      ...o,
      config: () => this.#config.current,
      election: o.leaderElection,
      scheduler: () => this.#scheduler,
    });
    this.#elector = this.#createElector();
    this.context = this.#createContext(metrics);
    this.#drills = serverDrills(this.context, () => this.#leading);
  }

  #createScheduler(metrics: LifeboatMetrics): Scheduler {
    const o = this.#o;
    const config = () => this.#config.current;
    return new Scheduler({
      logger: o.logger,
      ...unitDeps({
        config,
        fleet: () => this.#fleet,
        leading: () => this.#leading,
        stopping: () => this.#stopping,
        options: o.fleet,
        ownLastRunStart: (s) =>
          this.#index
            .backups(scheduleLocation(config(), s))
            .find((b) => b.schedule === s.name && ofCluster(b, this.#clusterId))?.started,
        ownRun: (s, at, signal) =>
          runScheduleBackup(s, { configPath: o.configPath, kube: o.kube, logger: o.logger, signal, at }),
      }),
      onResult: (job, result, err, ms) => recordRun(this.context, job, result, err, ms),
      onSkipped: (k) => {
        this.#skipped.push(k);
        if (this.#skipped.length > MAX_SKIPPED) this.#skipped.shift();
        const cluster = k.cluster === undefined ? {} : { cluster: k.cluster };
        metrics.backupTotal.inc({ schedule: k.schedule, status: 'Skipped', ...cluster });
      },
      maxPerLocation: o.maxPerLocation,
    });
  }

  #createElector(): LeaseElector | undefined {
    const o = this.#o;
    if (o.leaderElection === undefined) return undefined;
    return new LeaseElector({
      kube: o.kube,
      ...o.leaderElection,
      logger: o.logger,
      onStartedLeading: () => void this.#lead(),
      onStoppedLeading: (reason) => {
        this.#leading = false;
        this.#scheduler.abort((r) => r.cluster === undefined, `interrupted: lost leadership (${reason})`);
      },
    });
  }

  #createContext(metrics: LifeboatMetrics): ServerContext {
    const o = this.#o;
    const elector = this.#elector;
    const scheduler = this.#scheduler;
    return {
      configPath: o.configPath,
      kube: o.kube,
      logger: o.logger,
      metrics,
      index: this.#index,
      scheduler,
      config: () => this.#config.current,
      refreshConfig: () => this.#config.refresh(),
      startedAt: new Date(),
      skipped: () => this.#skipped,
      leader: () => ({
        elected: elector !== undefined,
        isLeader: elector === undefined ? !this.#stopping : elector.isLeader,
        identity: elector?.identity,
        holder: elector === undefined ? undefined : elector.holder,
      }),
      ready: () => this.#index.synced() && !this.#stopping,
      alive: () => !scheduler.running || Date.now() - scheduler.lastTick < 30_000,
      restoreEnabled: o.restoreEnabled,
      restoring: new Map(),
      restoreKube: o.restoreKube ?? o.kube,
      cluster: () => this.#clusterId,
      fleet: this.#fleet,
      replica: this.#fleet.leases?.identity ?? o.fleet?.replicaId ?? defaultReplicaId(),
    };
  }

  /** The first sync now, then a sync and a GC pass every period. */
  startPeriodicWork(): void {
    this.#synced = this.#syncOnce();
    this.#timers.push(setInterval(() => void this.#syncOnce(), this.#o.syncPeriodMs));
    this.#timers.push(setInterval(() => this.#gcOnce(), this.#o.gcPeriodMs));
  }

  async #syncOnce(): Promise<void> {
    await this.#config.refresh();
    await this.#learnIdentity();
    await this.#index
      .syncAll()
      .catch((err: unknown) => this.#o.logger.error({ err }, `sync failed: ${String(err)}`));
    updateScheduleMetrics(this.context, allStatuses(this.context));
    await this.#fleet
      .sync()
      .catch((err: unknown) => this.#o.logger.error({ err }, `fleet sync failed: ${String(err)}`));
    updateFleetGauges(this.context);
  }

  async #learnIdentity(): Promise<void> {
    if (this.#clusterId !== undefined) return;
    this.#clusterId = await readClusterUid(this.#o.kube).catch((err: unknown) => {
      this.#o.logger.warn(
        { err },
        `cannot read the cluster's identity yet (GC and recovery wait for it): ${String(err)}`,
      );
      return undefined;
    });
  }

  /** GC and crash recovery: only while the scheduler runs (on the leader). */
  #gcOnce(): void {
    const o = this.#o;
    if (!this.#leading) return;
    void runGc({
      configPath: o.configPath,
      logger: o.logger,
      dryRun: false,
      records: this.#index.backups(),
      running: new Set(this.#scheduler.active().map((r) => r.name)),
      cluster: this.#clusterId,
      onDeleted: (location, name) => this.#index.forget(location, name),
    })
      .then((r) =>
        r.failed.forEach((f) =>
          this.context.metrics.storeRequestErrors.inc({ location: f.location, operation: 'gc' }),
        ),
      )
      .then(() => recoverAll(this.context, o.orphanAfterMs))
      .catch((err: unknown) => o.logger.error({ err }, `gc failed: ${String(err)}`));
  }

  /** Serves the API; resolves to the URL it listens on. */
  async listen(): Promise<string> {
    const o = this.#o;
    const reviewer =
      o.auth === 'kubernetes'
        ? new KubeReviewer({
            kube: o.kube,
            logger: o.logger,
            namespace: o.authNamespace,
            audiences: o.authAudiences,
          })
        : undefined;
    this.#reviewer = reviewer;
    // Replicas (leader election) share the report tickets' key, so any of them opens a ticket's report.
    const reportTicketKey =
      o.leaderElection === undefined
        ? undefined
        : await sharedTicketKey({ kube: o.kube, namespace: o.leaderElection.namespace, logger: o.logger });
    const app = buildApi(this.context, {
      reportTicketKey,
      security:
        reviewer !== undefined
          ? { auth: kubernetesAuth(reviewer) }
          : o.insecureNoAuth
            ? { auth: undefined, loopbackListenHost: o.host }
            : { auth: tokenAuth(o.token ?? '') },
      metricsPublic: o.metricsPublic === true,
    });
    this.#app = app;
    await app.listen({ host: o.host, port: o.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : o.port;
    const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
    o.logger.info({ url }, `lifeboat server listening on ${url}`);
    return url;
  }

  /**
   * The scheduler runs once synced: the fleet clusters this replica owns at once, the server's own
   * schedules once it leads (at once without leader election; with it, once it holds the lease).
   */
  startLeading(): void {
    void this.#synced?.then(async () => {
      await this.#fleet.start();
      await this.#fleet.sync().catch(() => undefined);
      if (!this.#stopping) this.#scheduler.start();
      // Each replica runs the drills of the clusters it owns (without per-cluster Leases: the leader's).
      if (!this.#stopping) this.#drills.start();
    });
    if (this.#elector === undefined) void this.#lead();
    else this.#elector.start();
  }

  async #lead(): Promise<void> {
    await this.#synced;
    if (!this.#mayLead()) return;
    await recoverAll(this.context, this.#o.orphanAfterMs);
    if (this.#mayLead()) this.#leading = true;
  }

  #mayLead(): boolean {
    return !this.#stopping && (this.#elector === undefined || this.#elector.isLeader);
  }

  /** Graceful shutdown, once: no new runs, running backups drain, the lease, the API, the reviewer. */
  shutdown(reason: string): Promise<void> {
    return (this.#done ??= this.#stop(reason));
  }

  async #stop(reason: string): Promise<void> {
    const o = this.#o;
    this.#stopping = true;
    o.logger.info(
      `shutting down (${reason}): no new runs; waiting up to ${o.shutdownGraceMs} ms for running backups`,
    );
    this.#timers.forEach(clearInterval);
    await this.#scheduler.drain(o.shutdownGraceMs, `interrupted: server shutting down (${reason})`);
    await this.#drills.stop();
    await this.#fleet.stop();
    await this.#elector?.stop();
    await this.#app?.close();
    this.#reviewer?.close();
    o.logger.info('shut down');
  }
}
