import { LifeboatError } from '../../errors/index.ts';
import type { CapturedLog, Logger } from '../../log/index.ts';
import { BACKUP_FORMAT_VERSION, type BackupPhase, type LabelSelector } from '../../model/index.ts';
import { BackupArchiveWriter } from '../../archive/index.ts';
import {
  type BackupProgress,
  type BackupScope,
  collectBackupItems,
  type CollectOutcome,
  type MainListing,
} from '../../backup/index.ts';
import { builtinBackupActions } from '../../actions/index.ts';
import type { ApiResource } from '../../kube/index.ts';
import type { BackupUpload } from '../../store/index.ts';
import {
  writeBackupRecord,
  type BackupExtension,
  type BackupExtensionContext,
  type BackupRecord,
  type PodVolumeProgressSummary,
  type StartedExtension,
} from './backup-record.ts';
import type { BackupRequest } from './backup-request.ts';
import { builtinExtensions } from './builtin-extensions.ts';
import type { ConnectedCluster } from '../deps/cluster.ts';

export interface BackupRunEvent extends BackupProgress {
  phase: 'collecting' | 'uploading' | 'pod-volumes' | 'done';
  bytesUploaded: number;
  /** Pod volumes: how many ended of how many, and their bytes done of their total (as known). */
  podVolumes?: PodVolumeProgressSummary;
}

export interface BackupRunResult {
  name: string;
  phase: BackupPhase;
  location: string;
  /** The source cluster's identity (kube-system UID) recorded in the backup; unknown for a run that stored nothing. */
  cluster?: string | undefined;
  itemsBackedUp: number;
  errors: number;
  warnings: number;
  failureReason?: string | undefined;
  counts: Record<string, number>;
  startTimestamp: string;
  completionTimestamp: string;
  expiration: string;
}

export interface BackupDeps {
  logger: Logger;
  onEvent?: (event: BackupRunEvent) => void;
  signal?: AbortSignal;
  extensions?: readonly BackupExtension[];
}

/** A backup whose name is claimed in the location: what storing it needs. */
export interface BackupRun {
  ttlMs: number;
  labelSelector: LabelSelector | undefined;
  request: BackupRequest;
  location: string;
  cluster: ConnectedCluster;
  clusterId: string;
  resources: readonly ApiResource[];
  scope: BackupScope;
  listing: MainListing;
  upload: BackupUpload;
  started: Date;
  log: CapturedLog;
  /** The Backup's UID, known from the start (pod volume work is labelled with it). */
  uid: string;
}

/**
 * Stores a claimed backup: the tarball, then the sidecars and velero-backup.json. One signal stops
 * everything — the operator's interrupt, or the store failing under the tarball — and then every
 * file written is removed.
 */
export async function storeRun(run: BackupRun, deps: BackupDeps): Promise<BackupRunResult> {
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(deps.signal?.reason);
  deps.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const writer = new BackupArchiveWriter();
  let last: BackupProgress = { resource: '', itemsBackedUp: 0, resourcesDone: 0, resourcesTotal: 0 };
  const emit = (phase: BackupRunEvent['phase'], p: BackupProgress) => {
    last = p;
    deps.onEvent?.({ ...p, phase, bytesUploaded: writer.compressedBytes });
  };
  const tarball = run.upload.putContents(writer.output);
  tarball.catch((err: unknown) => abort.abort(err));
  // Stopping the writer rejects whatever waits on it (an item write, finish).
  const onAbort = () => writer.abort(asError(abort.signal.reason));
  abort.signal.addEventListener('abort', onAbort, { once: true });
  const extensions = startExtensions([...(deps.extensions ?? []), ...builtinExtensions(run.request)], {
    name: run.request.name,
    uid: run.uid,
    location: run.location,
    cluster: run.cluster,
    served: run.resources,
    listing: run.listing,
    logger: run.log.logger,
    onPodVolumes: (podVolumes) =>
      deps.onEvent?.({
        ...last,
        phase: 'pod-volumes',
        bytesUploaded: writer.compressedBytes,
        podVolumes,
      }),
  });
  try {
    const outcome = await writeTarball(run, writer, tarball, extensions, abort.signal, emit);
    const record = await writeRecord(run, outcome, extensions);
    emit('done', finalProgress(outcome));
    return resultOf(run, outcome, record);
  } catch (err) {
    writer.output.destroy();
    await run.upload.abort();
    if (deps.signal?.aborted) {
      throw new LifeboatError('INTERRUPTED', `backup ${run.request.name} interrupted: nothing was stored`, {
        hint: 'run the backup again (the name is free)',
      });
    }
    throw storeFailure(abort.signal.aborted ? abort.signal.reason : err, run.location);
  } finally {
    deps.signal?.removeEventListener('abort', onOuterAbort);
    abort.signal.removeEventListener('abort', onAbort);
  }
}

/** Collects every item into the tarball and waits until the store has all of it. */
async function writeTarball(
  run: BackupRun,
  writer: BackupArchiveWriter,
  tarball: Promise<unknown>,
  extensions: readonly StartedExtension[],
  signal: AbortSignal,
  emit: (phase: BackupRunEvent['phase'], p: BackupProgress) => void,
): Promise<CollectOutcome> {
  const logger = run.log.logger;
  await writer.writeVersion(BACKUP_FORMAT_VERSION);
  const outcome = await collectBackupItems({
    client: run.cluster.client,
    served: run.resources,
    scope: run.scope,
    labelSelector: run.labelSelector,
    actions: builtinBackupActions,
    sink: writer,
    logger,
    onProgress: (p) => emit('collecting', p),
    listing: run.listing,
    watches: extensions.flatMap((e) => e.run.watches ?? []),
    signal,
  });
  if (outcome.fatal) logger.error({ err: outcome.fatal }, `backup failed: ${outcome.fatal.message}`);
  emit('uploading', finalProgress(outcome));
  await writer.finish();
  await tarball;
  return outcome;
}

/** The sidecars, then velero-backup.json: the commit that makes the backup exist. */
function writeRecord(
  run: BackupRun,
  outcome: CollectOutcome,
  extensions: readonly StartedExtension[],
): Promise<BackupRecord> {
  return writeBackupRecord(run.upload, {
    request: run.request,
    uid: run.uid,
    location: run.location,
    cluster: run.cluster,
    clusterUid: run.clusterId,
    outcome,
    labelSelector: run.labelSelector,
    started: run.started,
    ttlMs: run.ttlMs,
    extensions,
    logger: run.log.logger,
    finishLogs: () => run.log.finish(),
  });
}

function finalProgress(outcome: CollectOutcome): BackupProgress {
  return { resource: '', itemsBackedUp: outcome.itemsBackedUp, resourcesDone: 1, resourcesTotal: 1 };
}

function resultOf(run: BackupRun, outcome: CollectOutcome, record: BackupRecord): BackupRunResult {
  return {
    name: run.request.name,
    phase: record.phase,
    location: run.location,
    cluster: run.clusterId,
    itemsBackedUp: outcome.itemsBackedUp,
    errors: outcome.results.errorCount,
    warnings: outcome.results.warningCount,
    failureReason: record.failureReason,
    counts: outcome.counts,
    startTimestamp: run.started.toISOString(),
    completionTimestamp: record.completed.toISOString(),
    expiration: record.expiration.toISOString(),
  };
}

/** Starts each extension; one that fails to start reports the failure as its files' outcome. */
function startExtensions(
  extensions: readonly BackupExtension[],
  context: BackupExtensionContext,
): StartedExtension[] {
  return extensions.map((extension) => {
    try {
      return { name: extension.name, run: extension.start(context) };
    } catch (err) {
      return { name: extension.name, run: { files: () => Promise.reject(asError(err)) } };
    }
  });
}

/** A store error, said as what it means for the backup; anything else passes through unchanged. */
function storeFailure(err: unknown, location: string): unknown {
  if (!(err instanceof LifeboatError)) return err;
  return new LifeboatError(
    err.code,
    `backup not stored: writing to location '${location}' failed: ${err.message}`,
    {
      hint:
        err.hint ??
        'check that the storage location is reachable (lifeboat location check), then run the backup again',
      cause: err,
    },
  );
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
