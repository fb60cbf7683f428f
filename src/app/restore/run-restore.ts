import { gzipSync } from 'node:zlib';
import { LifeboatError } from '../../errors/index.ts';
import { KubeClient, type KubeTarget, loadKubeConfig, serverVersion } from '../../kube/index.ts';
import { captureLogs, type Logger } from '../../log/index.ts';
import { goEncodeLine } from '../../gojson/index.ts';
import {
  applyPlan,
  markExistence,
  recount,
  type RestorePlan,
  type RestoreProgress,
  type RestoreResults,
} from '../../restore/index.ts';
import { veleroMessage } from '../../results/index.ts';
import type { BackupStore } from '../../store/index.ts';
import { openLocation } from '../deps/locations-open.ts';
import {
  readRestoreRecord,
  type RestorePhase,
  type RestoreRecord,
  type RestoreSpecRecord,
} from './restores.ts';
import type { ArchiveLimits } from '../deps/archive-limits.ts';
import { extractBackup, resolveBackup } from './run-restore-archive.ts';
import { checkRestoreFilters, planRestore } from './run-restore-setup.ts';
import { compareWithTarget } from './run-restore-target.ts';
import { verifyAgainstTarget, type RestoreVerifyReport } from './verify-restore.ts';

export { DEFAULT_PARALLELISM } from '../../restore/index.ts';
export { checkRestoreFilters } from './run-restore-setup.ts';

export interface RestoreRequest extends Omit<RestoreSpecRecord, 'backupName' | 'scheduleName'> {
  name?: string | undefined;
  fromBackup?: string | undefined;
  fromSchedule?: string | undefined;
  dryRun: boolean;
  verify: boolean;
  storageLocation?: string | undefined;
  kube: KubeTarget;
  configPath?: string | undefined;
  /** Caps the tarball is read under (archive/limits.ts); absent ones keep the defaults. */
  archiveLimits?: ArchiveLimits | undefined;
}

export interface RestoreRunEvent extends Partial<RestoreProgress> {
  phase: 'downloading' | 'planning' | 'restoring' | 'verifying' | 'done';
}

export interface RestoreRunResult {
  name: string;
  backup: string;
  location: string;
  phase: RestorePhase | 'DryRun';
  counts: RestoreRecord['counts'];
  errors: number;
  warnings: number;
  plan: RestorePlan;
  startTimestamp: string;
  completionTimestamp: string;
  verify?: RestoreVerifyReport;
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
  const opened = await openLocation(request.configPath, request.storageLocation, deps.logger);
  try {
    const store = opened.backupStore;
    const backup = await resolveBackup(store, { backup: request.fromBackup, schedule: request.fromSchedule });
    const backupName = backup.metadata.name;
    const name = request.name ?? `${request.fromSchedule ?? backupName}-${timestamp(new Date())}`;
    if (!request.dryRun) await checkName(store, name);
    const spec = specRecord(request, backupName);
    const client = new KubeClient(loadKubeConfig(request.kube), {
      maxSockets: Math.max(16, request.parallelism),
    });
    try {
      await serverVersion(client);
      deps.onEvent?.({ phase: 'downloading' });
      const extracted = await extractBackup(store, backupName, request.archiveLimits);
      try {
        const run = { request, spec, name, store, client, extracted, deps, location: opened.location.name };
        return await planAndApply(run);
      } finally {
        await extracted.remove();
      }
    } finally {
      client.close();
    }
  } finally {
    await opened.close();
  }
}

type Run = {
  request: RestoreRequest;
  spec: RestoreSpecRecord;
  name: string;
  store: BackupStore;
  client: KubeClient;
  extracted: Awaited<ReturnType<typeof extractBackup>>;
  deps: Parameters<typeof runRestore>[1];
  location: string;
};

async function planAndApply(run: Run): Promise<RestoreRunResult> {
  const { request, spec, client, extracted, deps } = run;
  const started = new Date();
  deps.onEvent?.({ phase: 'planning' });
  const { plan, prepare } = await planRestore(spec, run.name, client, extracted);
  if (request.dryRun) {
    await compareWithTarget(plan, {
      client,
      prepare,
      readItem: extracted.readItem,
      onVerdict: (v) => markExistence(v.item, v.existence, spec.existingResourcePolicy),
    });
    recount(plan);
    const now = new Date().toISOString();
    const counts = { created: 0, updated: 0, skipped: 0, failed: 0 };
    return {
      name: run.name,
      backup: spec.backupName,
      location: run.location,
      phase: 'DryRun',
      counts,
      errors: 0,
      warnings: 0,
      plan,
      startTimestamp: started.toISOString(),
      completionTimestamp: now,
    };
  }
  const log = captureLogs(deps.logger, { restore: run.name });
  log.logger.info(
    { backup: spec.backupName, target: client.server },
    `restoring backup ${spec.backupName} into ${client.server}`,
  );
  for (const f of plan.findings) log.logger.warn({ finding: f.kind }, `pre-flight: ${f.message}`);
  const base = recordBase(run, started);
  await putRecord(run.store, { ...base, phase: 'InProgress' });
  deps.onEvent?.({ phase: 'restoring' });
  const outcome = await applyPlan(plan, {
    client,
    prepare,
    policy: spec.existingResourcePolicy,
    logger: log.logger,
    readItem: extracted.readItem,
    parallelism: request.parallelism,
    onProgress: (p) => deps.onEvent?.({ phase: 'restoring', ...p }),
    signal: deps.signal,
  });
  for (const f of plan.findings.filter((x) => x.severity !== 'info'))
    outcome.results.warning(veleroMessage(`pre-flight: ${f.message}`));
  const results = outcome.results;
  const phase: RestorePhase = outcome.interrupted
    ? 'Interrupted'
    : results.errorCount > 0
      ? 'PartiallyFailed'
      : 'Completed';
  log.logger.info({ phase, ...results.counts }, `restore ${run.name} ${phase}`);
  const completed = new Date();
  const record: RestoreRecord = {
    ...base,
    phase,
    completionTimestamp: completed.toISOString(),
    counts: results.counts,
    errors: results.errorCount,
    warnings: results.warningCount,
  };
  await storeResults(run, results, await log.finish(), record);
  if (outcome.interrupted) {
    throw new LifeboatError(
      'INTERRUPTED',
      `restore ${run.name} interrupted: ${results.counts.created} objects created so far, the rest not attempted`,
      {
        hint: `run the same command again to finish it (lifeboat restore create ${run.name} --from-backup ${spec.backupName} ...): what exists is skipped`,
      },
    );
  }
  let verify: RestoreVerifyReport | undefined;
  if (request.verify) {
    deps.onEvent?.({ phase: 'verifying' });
    verify = await verifyAgainstTarget(plan, { client, prepare, readItem: extracted.readItem });
  }
  deps.onEvent?.({ phase: 'done', ...results.counts });
  return {
    name: run.name,
    backup: spec.backupName,
    location: run.location,
    phase,
    counts: results.counts,
    errors: results.errorCount,
    warnings: results.warningCount,
    plan,
    startTimestamp: started.toISOString(),
    completionTimestamp: completed.toISOString(),
    verify,
  };
}

function recordBase(run: Run, started: Date): RestoreRecord {
  return {
    apiVersion: 'lifeboat.io/v1alpha1',
    kind: 'RestoreRecord',
    name: run.name,
    spec: run.spec,
    phase: 'InProgress',
    startTimestamp: started.toISOString(),
    targetServer: run.client.server,
    counts: { created: 0, updated: 0, skipped: 0, failed: 0 },
    errors: 0,
    warnings: 0,
  };
}

async function storeResults(
  run: Run,
  results: RestoreResults,
  logs: Buffer,
  record: RestoreRecord,
): Promise<void> {
  const gz = (value: unknown) => gzipSync(goEncodeLine(value));
  await run.store.putRestoreFile(run.name, 'logs', logs);
  await run.store.putRestoreFile(run.name, 'results', gz(results.toFile()));
  await run.store.putRestoreFile(run.name, 'resourceList', gz(results.resourceList()));
  await run.store.putRestoreFile(run.name, 'itemOperations', gz([]));
  await run.store.putRestoreFile(run.name, 'volumeInfo', gz([]));
  await putRecord(run.store, record);
}

async function putRecord(store: BackupStore, record: RestoreRecord): Promise<void> {
  await store.putRestoreRecord(record.name, record);
}

/** A name is reused only to finish an interrupted restore. */
async function checkName(store: BackupStore, name: string): Promise<void> {
  if (!(await store.listRestoreNames()).includes(name)) return;
  const record = await readRestoreRecord(store, name).catch(() => undefined);
  if (record?.phase === 'Interrupted' || record?.phase === 'InProgress') return;
  throw new LifeboatError('ALREADY_EXISTS', `restore "${name}" already exists in this location`, {
    hint: 'choose another name (or leave it out for <backup>-<timestamp>)',
  });
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
