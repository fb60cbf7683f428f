import { loadConfig, type LifeboatConfig } from '../config/config-file.ts';
import { runGc } from '../engine/gc.ts';
import type { BackupRequest } from '../engine/run-backup.ts';
import { scheduleLocation, type Schedule } from '../engine/schedule.ts';
import { LeaseElector } from '../engine/schedule-lease.ts';
import { runScheduleBackup } from '../engine/schedule-run.ts';
import { BackupIndex, ofCluster } from '../engine/sync.ts';
import { readClusterUid } from '../engine/cluster.ts';
import type { Logger } from '../log/index.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { buildApi } from './api.ts';
import { checkAuthSettings, kubernetesAuth, tokenAuth, type AuthMode } from './auth.ts';
import { KubeReviewer } from '../engine/kube-auth.ts';
import type { ServerContext } from './context.ts';
import { recoverAll, recordRun } from './housekeeping.ts';
import { Scheduler, type SkippedRun } from './scheduler.ts';
import { allStatuses, updateScheduleMetrics } from './status.ts';

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
}

export interface RunningServer {
  url: string;
  context: ServerContext;
  /** Graceful shutdown: no new runs, running backups finish within the grace period or are marked Failed. */
  shutdown(reason: string): Promise<void>;
}

/**
 * `lifeboat server`: syncs every location's backups, runs the schedules and GC (only while it is the
 * leader, when leader election is on), serves the HTTP API and /metrics.
 */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  checkAuthSettings(o.host, o.token, o.insecureNoAuth, o.auth);
  const logger = o.logger;
  const metrics = createMetrics();
  let config: LifeboatConfig = await loadConfig(o.configPath);
  const refreshConfig = async () => {
    try {
      config = await loadConfig(o.configPath);
    } catch (err) {
      logger.error({ err }, `config file invalid, keeping the previous one: ${String(err)}`);
    }
  };
  const index = new BackupIndex({
    configPath: o.configPath,
    logger,
    onError: (location) => metrics.storeRequestErrors.inc({ location, operation: 'sync' }),
  });
  // The backed-up cluster's identity: read at the first sync (and again at each one until it is known).
  let clusterId: string | undefined;
  const learnIdentity = async () => {
    if (clusterId !== undefined) return;
    clusterId = await readClusterUid(o.kube).catch((err: unknown) => {
      logger.warn(
        { err },
        `cannot read the cluster's identity yet (GC and recovery wait for it): ${String(err)}`,
      );
      return undefined;
    });
  };
  const skipped: SkippedRun[] = [];
  const schedules = () => config.schedules ?? [];
  const scheduler: Scheduler = new Scheduler({
    logger,
    schedules,
    locationOf: (s: Schedule) => scheduleLocation(config, s),
    lastRunStart: (s) =>
      index.backups(scheduleLocation(config, s)).find((b) => b.schedule === s.name && ofCluster(b, clusterId))
        ?.started,
    run: (s, at, signal) =>
      runScheduleBackup(s, { configPath: o.configPath, kube: o.kube, logger, signal, at }),
    onResult: (job, result, err, ms) => recordRun(context, job, result, err, ms),
    onSkipped: (k) => {
      skipped.push(k);
      if (skipped.length > 200) skipped.shift();
      metrics.backupTotal.inc({ schedule: k.schedule, status: 'Skipped' });
    },
    maxPerLocation: o.maxPerLocation,
  });
  const elector =
    o.leaderElection === undefined
      ? undefined
      : new LeaseElector({
          kube: o.kube,
          ...o.leaderElection,
          logger,
          onStartedLeading: () => void lead(),
          onStoppedLeading: (reason) => {
            scheduler.stop();
            scheduler.abortAll(`interrupted: lost leadership (${reason})`);
          },
        });
  let stopping = false;
  const context: ServerContext = {
    configPath: o.configPath,
    kube: o.kube,
    logger,
    metrics,
    index,
    scheduler,
    config: () => config,
    refreshConfig,
    startedAt: new Date(),
    skipped: () => skipped,
    leader: () => ({
      elected: elector !== undefined,
      isLeader: elector === undefined ? !stopping : elector.isLeader,
      identity: elector?.identity,
      holder: elector === undefined ? undefined : elector.holder,
    }),
    ready: () => index.synced() && !stopping,
    alive: () => !scheduler.running || Date.now() - scheduler.lastTick < 30_000,
    restoreEnabled: o.restoreEnabled,
    restoring: new Map(),
    restoreKube: o.restoreKube ?? o.kube,
    cluster: () => clusterId,
  };
  const syncOnce = async () => {
    await refreshConfig();
    await learnIdentity();
    await index.syncAll().catch((err: unknown) => logger.error({ err }, `sync failed: ${String(err)}`));
    updateScheduleMetrics(context, allStatuses(context));
  };
  async function lead(): Promise<void> {
    await synced;
    if (stopping || (elector !== undefined && !elector.isLeader)) return;
    await recoverAll(context, o.orphanAfterMs);
    if (!stopping && (elector === undefined || elector.isLeader)) scheduler.start();
  }
  const timers: NodeJS.Timeout[] = [];
  const synced = syncOnce();
  timers.push(setInterval(() => void syncOnce(), o.syncPeriodMs));
  timers.push(
    setInterval(() => {
      if (!scheduler.running) return;
      void runGc({
        configPath: o.configPath,
        logger,
        dryRun: false,
        records: index.backups(),
        running: new Set(scheduler.active().map((r) => r.name)),
        cluster: clusterId,
        onDeleted: (location, name) => index.forget(location, name),
      })
        .then((r) =>
          r.failed.forEach((f) => metrics.storeRequestErrors.inc({ location: f.location, operation: 'gc' })),
        )
        .then(() => recoverAll(context, o.orphanAfterMs))
        .catch((err: unknown) => logger.error({ err }, `gc failed: ${String(err)}`));
    }, o.gcPeriodMs),
  );
  const reviewer =
    o.auth === 'kubernetes'
      ? new KubeReviewer({ kube: o.kube, logger, namespace: o.authNamespace, audiences: o.authAudiences })
      : undefined;
  const app = buildApi(context, {
    security:
      reviewer !== undefined
        ? { auth: kubernetesAuth(reviewer) }
        : o.insecureNoAuth
          ? { auth: undefined, loopbackListenHost: o.host }
          : { auth: tokenAuth(o.token ?? '') },
    metricsPublic: o.metricsPublic === true,
  });
  await app.listen({ host: o.host, port: o.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  logger.info({ url }, `lifeboat server listening on ${url}`);
  if (elector === undefined) void lead();
  else elector.start();
  let done: Promise<void> | undefined;
  return {
    url,
    context,
    shutdown: (reason) =>
      (done ??= (async () => {
        stopping = true;
        logger.info(
          `shutting down (${reason}): no new runs; waiting up to ${o.shutdownGraceMs} ms for running backups`,
        );
        timers.forEach(clearInterval);
        await scheduler.drain(o.shutdownGraceMs, `interrupted: server shutting down (${reason})`);
        await elector?.stop();
        await app.close();
        reviewer?.close();
        logger.info('shut down');
      })()),
  };
}
