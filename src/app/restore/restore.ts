import { randomUUID } from 'node:crypto';
import { LifeboatError } from '../../errors/index.ts';
import { KubeClient, type KubeTarget, loadKubeConfig, serverVersion } from '../../kube/index.ts';
import { captureLogs, type Logger } from '../../log/index.ts';
import {
  applyPlan,
  checkRestoreFilters,
  compareWithTarget,
  markExistence,
  recount,
  type RestoreOutcome,
  type RestorePlan,
  type RestoreProgress,
} from '../../restore/index.ts';
import { DEFAULT_LIFEBOAT_NAMESPACE } from '../../model/index.ts';
import { veleroMessage } from '../../results/index.ts';
import {
  type PodVolumeProgressEvent,
  PodVolumeRestores,
  type PodVolumeRestoreSummary,
} from '../pod-volumes/index.ts';
import type { BackupStore } from '../../store/index.ts';
import { isConfiguredStandby, type StandbyLock, takeStandbyLock } from '../standby-lock/index.ts';
import type { ArchiveLimits } from '../deps/archive-limits.ts';
import { requestedLocation, withLocation } from '../deps/locations-open.ts';
import { extractBackup, type ExtractedBackup } from './extract-backup.ts';
import { planRestore } from './plan-restore.ts';
import { type PrintedPlan, printedPlan } from './printed-plan.ts';
import { checkName, finishedRecord, putRecord, startedRecord, storeResults } from './record-restore.ts';
import { resolveBackup } from './resolve-backup.ts';
import type { RestorePhase, RestoreRecord, RestoreSpecRecord } from './restores.ts';
import { verifyAgainstTarget, type RestoreVerifyReport } from './verify-restore.ts';
import type { ClusterRef } from '../clusters/index.ts';

export { checkRestoreFilters, DEFAULT_PARALLELISM } from '../../restore/index.ts';

export interface RestoreRequest extends Omit<RestoreSpecRecord, 'backupName' | 'scheduleName'> {
  name?: string | undefined;
  fromBackup?: string | undefined;
  fromSchedule?: string | undefined;
  dryRun: boolean;
  verify: boolean;
  storageLocation?: string | undefined;
  /** A cluster of the fleet: its backups are under its prefix in its location. */
  cluster?: ClusterRef | undefined;
  kube: KubeTarget;
  configPath?: string | undefined;
  /** Caps the tarball is read under (archive/limits.ts); absent ones keep the defaults. */
  archiveLimits?: ArchiveLimits | undefined;
  /** Pod volume data: where the node agents watch (default lifeboat), the restore-wait image, how long to wait. */
  podVolumes?:
    { namespace?: string; helperImage?: string; timeoutMs?: number; checkData?: boolean } | undefined;
  /**
   * The standby's lock (app/standby-lock), never for a dry run. 'take' (default): taken when the
   * target is the standby of a cluster of the config, failing when a drill or restore holds it;
   * 'wait': taken whatever the target, waiting while held; 'held': the caller (a drill) holds it.
   */
  standbyLock?: 'take' | 'wait' | 'held' | undefined;
}

export interface RestoreRunEvent extends Partial<RestoreProgress> {
  phase: 'downloading' | 'planning' | 'restoring' | 'volumes' | 'verifying' | 'done';
  /** While the pod volumes' data comes back. */
  podVolumes?: PodVolumeProgressEvent;
}

export interface RestoreRunResult {
  name: string;
  backup: string;
  location: string;
  phase: RestorePhase | 'DryRun';
  counts: RestoreRecord['counts'];
  errors: number;
  warnings: number;
  /** The plan as printed (its pre-flight findings keep their JSON key `kind`). */
  plan: PrintedPlan;
  startTimestamp: string;
  completionTimestamp: string;
  verify?: RestoreVerifyReport;
  podVolumes?: PodVolumeRestoreSummary[];
}

/**
 * Restores a backup into the target cluster (spec/velero-format.md §5): resolve the backup,
 * extract its tarball into a temp dir (always removed), plan with pre-flight, apply, then store
 * the logs, results, resource list, item operations, volume info and lifeboat's record under
 * restores/<name>/. `dryRun` stops after the plan and writes nothing anywhere.
 */
export async function runRestore(
  request: RestoreRequest,
  deps: { logger: Logger; onEvent?: (e: RestoreRunEvent) => void; signal?: AbortSignal },
): Promise<RestoreRunResult> {
  checkRestoreFilters(request);
  return withLocation(requestedLocation(request, deps.logger), async (opened) => {
    const store = opened.backupStore;
    const backup = await resolveBackup(store, { backup: request.fromBackup, schedule: request.fromSchedule });
    const backupName = backup.metadata.name;
    const name = request.name ?? `${request.fromSchedule ?? backupName}-${timestamp(new Date())}`;
    const resumedUid = request.dryRun ? undefined : await checkName(store, name);
    const spec = specRecord(request, backupName);
    const client = new KubeClient(loadKubeConfig(request.kube), {
      maxSockets: Math.max(16, request.parallelism),
    });
    let lock: StandbyLock | undefined;
    try {
      await serverVersion(client);
      if (await wantsLock(request, client.server))
        lock = await takeStandbyLock({
          client,
          purpose: `restore ${name}`,
          wait: request.standbyLock === 'wait',
          signal: deps.signal,
          logger: deps.logger,
        });
      deps.onEvent?.({ phase: 'downloading' });
      const extracted = await extractBackup(store, backupName, request.archiveLimits);
      try {
        const run = { request, spec, name, store, client, extracted, deps, location: opened.location.name };
        return await restoreBackup(run, resumedUid ?? randomUUID());
      } finally {
        await extracted.remove();
      }
    } finally {
      await lock?.release();
      client.close();
    }
  });
}

/** Whether the restore takes the standby's lock (see RestoreRequest.standbyLock). */
async function wantsLock(request: RestoreRequest, server: string): Promise<boolean> {
  if (request.dryRun || request.standbyLock === 'held') return false;
  return request.standbyLock === 'wait' || (await isConfiguredStandby(request.configPath, server));
}

type Run = {
  request: RestoreRequest;
  spec: RestoreSpecRecord;
  name: string;
  store: BackupStore;
  client: KubeClient;
  extracted: ExtractedBackup;
  deps: Parameters<typeof runRestore>[1];
  location: string;
};

/** The pod volume side of a restore, when the backup has pod volume backups. */
function podVolumeRestores(run: Run, uid: string): PodVolumeRestores | undefined {
  if (run.extracted.podVolumeBackups.length === 0) return undefined;
  const options = run.request.podVolumes;
  return new PodVolumeRestores({
    client: run.client,
    backups: run.extracted.podVolumeBackups,
    restoreName: run.name,
    restoreUid: uid,
    namespace: options?.namespace ?? DEFAULT_LIFEBOAT_NAMESPACE,
    location: run.location,
    helperImage: options?.helperImage,
    checkData: options?.checkData,
    logger: run.deps.logger,
  });
}

/**
 * The restore (under `uid`: new, or the one an interrupted run of the same name recorded), one step after the other: inventory of the archive (each item read, checked and
 * prepared once) → the target inspected → the plan → applied → recorded in the store (then verified
 * when asked). A dry run stops after the plan, compared with the target.
 */
async function restoreBackup(run: Run, uid: string): Promise<RestoreRunResult> {
  const started = new Date();
  run.deps.onEvent?.({ phase: 'planning' });
  const podVolumes = podVolumeRestores(run, uid);
  // inventory → target → plan
  const plan = await planRestore(run.spec, run.name, run.client, run.extracted, podVolumes?.restoreWait);
  if (run.request.dryRun) return dryRun(run, plan, started);
  const log = captureLogs(run.deps.logger, { restore: run.name });
  podVolumes?.useLogger(log.logger);
  const record = { ...startedRecord(run.name, run.spec, run.client.server, started), uid };
  const outcome = await apply(run, plan, log.logger, record, podVolumes);
  const finished = finishedRecord(record, outcome.results, outcome.interrupted, new Date());
  if (podVolumes) finished.podVolumes = podVolumes.summaries();
  log.logger.info(
    { phase: finished.phase, ...outcome.results.counts },
    `restore ${run.name} ${finished.phase}`,
  );
  const volumeInfo = podVolumes ? await podVolumes.volumeInfos() : [];
  await storeResults(run.store, outcome.results, await log.finish(), finished, volumeInfo);
  if (outcome.interrupted) throw interrupted(run, outcome);
  const verify = run.request.verify ? await verifyRestored(run, plan) : undefined;
  run.deps.onEvent?.({ phase: 'done', ...outcome.results.counts });
  return { ...result(run, plan, finished), verify, podVolumes: finished.podVolumes };
}

/** The plan compared with the target (what exists, identical or not); nothing is written. */
async function dryRun(run: Run, plan: RestorePlan, started: Date): Promise<RestoreRunResult> {
  await compareWithTarget(plan, {
    client: run.client,
    prepared: run.extracted.prepared,
    onVerdict: (v) => markExistence(v.item, v.existence, run.spec.existingResourcePolicy),
  });
  recount(plan);
  return {
    name: run.name,
    backup: run.spec.backupName,
    location: run.location,
    phase: 'DryRun',
    counts: { created: 0, updated: 0, skipped: 0, failed: 0 },
    errors: 0,
    warnings: 0,
    plan: printedPlan(plan),
    startTimestamp: started.toISOString(),
    completionTimestamp: new Date().toISOString(),
  };
}

/** Applies the plan (recorded InProgress first); the pre-flight findings become warnings of the restore. */
async function apply(
  run: Run,
  plan: RestorePlan,
  logger: Logger,
  record: RestoreRecord,
  podVolumes: PodVolumeRestores | undefined,
): Promise<RestoreOutcome> {
  const { spec, client } = run;
  logger.info(
    { backup: spec.backupName, target: client.server },
    `restoring backup ${spec.backupName} into ${client.server}`,
  );
  for (const f of plan.findings) logger.warn({ finding: f.code }, `pre-flight: ${f.message}`);
  await putRecord(run.store, record);
  run.deps.onEvent?.({ phase: 'restoring' });
  const outcome = await applyPlan(plan, {
    client,
    prepared: run.extracted.prepared,
    policy: spec.existingResourcePolicy,
    logger,
    readItem: run.extracted.readItem,
    parallelism: run.request.parallelism,
    onProgress: (p) => run.deps.onEvent?.({ phase: 'restoring', ...p }),
    afterCreate: podVolumes && ((created, item) => podVolumes.afterCreate(created, item.namespace)),
    afterExisting: podVolumes && ((found, item) => podVolumes.afterExisting(found, item.namespace)),
    signal: run.deps.signal,
  });
  for (const f of plan.findings.filter((x) => x.severity !== 'info'))
    outcome.results.warning(veleroMessage(`pre-flight: ${f.message}`));
  for (const p of run.extracted.podVolumeProblems) outcome.results.warning(veleroMessage(p));
  if (podVolumes !== undefined && !outcome.interrupted) {
    run.deps.onEvent?.({ phase: 'volumes' });
    await podVolumes.wait({
      timeoutMs: run.request.podVolumes?.timeoutMs,
      signal: run.deps.signal,
      onProgress: (p) => run.deps.onEvent?.({ phase: 'volumes', podVolumes: p }),
    });
    // Stopped while the data came back: interrupted, to be finished by the same command (which keeps
    // this restore's UID and follows the PodVolumeRestores it finds), not failed.
    if (run.deps.signal?.aborted === true) return { ...outcome, interrupted: true };
    for (const p of podVolumes.problems()) outcome.results.error(p);
  }
  return outcome;
}

function interrupted(run: Run, outcome: RestoreOutcome): LifeboatError {
  return new LifeboatError(
    'INTERRUPTED',
    `restore ${run.name} interrupted: ${outcome.results.counts.created} objects created so far, the rest not attempted`,
    {
      hint: `run the same command again to finish it (lifeboat restore create ${run.name} --from-backup ${run.spec.backupName} ...): what exists is skipped`,
    },
  );
}

async function verifyRestored(run: Run, plan: RestorePlan): Promise<RestoreVerifyReport> {
  run.deps.onEvent?.({ phase: 'verifying' });
  return verifyAgainstTarget(plan, { client: run.client, prepared: run.extracted.prepared });
}

function result(run: Run, plan: RestorePlan, record: RestoreRecord): RestoreRunResult {
  return {
    name: run.name,
    backup: run.spec.backupName,
    location: run.location,
    phase: record.phase,
    counts: record.counts,
    errors: record.errors,
    warnings: record.warnings,
    plan: printedPlan(plan),
    startTimestamp: record.startTimestamp,
    completionTimestamp: record.completionTimestamp ?? record.startTimestamp,
  };
}

function specRecord(request: RestoreRequest, backupName: string): RestoreSpecRecord {
  const spec: RestoreSpecRecord = {
    backupName,
    includedNamespaces: request.includedNamespaces,
    excludedNamespaces: request.excludedNamespaces,
    includedResources: request.includedResources,
    excludedResources: request.excludedResources,
    namespaceMapping: request.namespaceMapping,
    storageClassMapping: request.storageClassMapping,
    existingResourcePolicy: request.existingResourcePolicy,
    preserveNodePorts: request.preserveNodePorts,
    restoreStatus: request.restoreStatus,
    parallelism: request.parallelism,
  };
  if (request.fromSchedule !== undefined) spec.scheduleName = request.fromSchedule;
  if (request.labelSelector !== undefined) spec.labelSelector = request.labelSelector;
  if (request.includeClusterResources !== undefined)
    spec.includeClusterResources = request.includeClusterResources;
  return spec;
}

/** yyyyMMddHHmmss in local time, like Velero's default restore names. */
function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
