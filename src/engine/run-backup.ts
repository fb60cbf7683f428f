import { LifeboatError } from '../errors/index.ts';
import { captureLogs, type Logger } from '../log/index.ts';
import { InvalidDurationError, parseDuration } from '../model/velero-backup-builder.ts';
import { BACKUP_FORMAT_VERSION, type BackupPhase } from '../model/velero.ts';
import { BackupArchiveWriter } from '../archive/writer.ts';
import { collectBackupItems, type BackupProgress } from '../backup/backupper.ts';
import { checkPatternLists, parseLabelSelector } from '../selection/index.ts';
import { BackupScope } from '../backup/scope.ts';
import { MainListing } from '../backup/listing.ts';
import { builtinBackupActions } from '../actions/builtin-backup-actions.ts';
import { discoverResources, type ApiResource } from '../kube/discovery.ts';
import {
  writeBackupRecord,
  type BackupExtension,
  type BackupExtensionContext,
  type StartedExtension,
} from './backup-record.ts';
import type { BackupRequest } from './backup-request.ts';
import { clusterUid, connectCluster } from './cluster.ts';
import { openLocation } from './locations-open.ts';

export type { BackupExtension, BackupExtensionContext, BackupExtensionRun } from './backup-record.ts';
export type { BackupRequest } from './backup-request.ts';

export interface BackupRunEvent extends BackupProgress {
  phase: 'collecting' | 'uploading' | 'done';
  bytesUploaded: number;
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

/** Like Velero 1.17+: snapshot objects are made by the CSI machinery, never backed up as items. */
const SNAPSHOT_RESOURCES = [
  'volumesnapshots.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
];

/**
 * Backs up a cluster into a storage location in Velero's format. Write order makes partial state
 * invisible: the tarball and every sidecar first, velero-backup.json last; if the store fails or
 * the operator interrupts, everything written is removed and the backup does not exist. A lost API
 * server ends the backup as Failed (stored, with the reason); per-item problems make it PartiallyFailed.
 */
export async function runBackup(request: BackupRequest, deps: BackupDeps): Promise<BackupRunResult> {
  const ttlMs = parseTtl(request.ttl);
  const labelSelector = request.labelSelector ? parseLabelSelector(request.labelSelector) : undefined;
  checkPatternLists(
    request.includedNamespaces,
    request.excludedNamespaces,
    request.includedResources,
    request.excludedResources,
  );
  const opened = await openLocation(request.configPath, request.storageLocation, deps.logger);
  const { location, backupStore } = opened;
  try {
    if (location.accessMode === 'ReadOnly') {
      throw new LifeboatError(
        'CONFIG',
        `storage location '${location.name}' is read-only: backups cannot be created there`,
        {
          hint: 'choose another --storage-location, or set the location to ReadWrite',
        },
      );
    }
    const cluster = await connectCluster(request.kube);
    try {
      const [{ resources, failedGroups }, clusterId] = await Promise.all([
        discoverResources(cluster.client),
        clusterUid(cluster.client),
      ]);
      const scope = scopeFor(request, resources);
      const listing = new MainListing(scope, resources, labelSelector);
      // The name is claimed create-only: a second writer of the same name (another cluster sharing
      // the bucket) fails here, before it has written anything.
      const upload = await backupStore.beginBackup(request.name, { cluster: clusterId });
      const started = new Date();
      const log = captureLogs(deps.logger, { backup: request.name });
      for (const g of failedGroups)
        log.logger.warn({ groupVersion: g.groupVersion }, `API discovery failed: ${g.error}`);
      log.logger.info(
        { server: cluster.server, version: cluster.version.gitVersion, location: location.name },
        `backing up cluster ${cluster.server} (${cluster.version.gitVersion}) to ${location.name}`,
      );
      // One signal stops everything: the operator's interrupt, or the store failing under the tarball.
      const abort = new AbortController();
      const onOuterAbort = () => abort.abort(deps.signal?.reason);
      deps.signal?.addEventListener('abort', onOuterAbort, { once: true });
      const writer = new BackupArchiveWriter();
      const emit = (phase: BackupRunEvent['phase'], p: BackupProgress) =>
        deps.onEvent?.({ ...p, phase, bytesUploaded: writer.compressedBytes });
      const tarball = upload.putContents(writer.output);
      tarball.catch((err: unknown) => abort.abort(err));
      // Stopping the writer rejects whatever waits on it (an item write, finish).
      const onAbort = () => writer.abort(asError(abort.signal.reason));
      abort.signal.addEventListener('abort', onAbort, { once: true });
      const extensions = startExtensions(deps.extensions ?? [], {
        name: request.name,
        cluster,
        served: resources,
        listing,
        logger: log.logger,
      });
      try {
        await writer.writeVersion(BACKUP_FORMAT_VERSION);
        const outcome = await collectBackupItems({
          client: cluster.client,
          served: resources,
          scope,
          labelSelector,
          actions: builtinBackupActions,
          sink: writer,
          logger: log.logger,
          onProgress: (p) => emit('collecting', p),
          listing,
          watches: extensions.flatMap((e) => e.run.watches ?? []),
          signal: abort.signal,
        });
        if (outcome.fatal)
          log.logger.error({ err: outcome.fatal }, `backup failed: ${outcome.fatal.message}`);
        emit('uploading', {
          resource: '',
          itemsBackedUp: outcome.itemsBackedUp,
          resourcesDone: 1,
          resourcesTotal: 1,
        });
        await writer.finish();
        await tarball;
        const record = await writeBackupRecord(upload, {
          request,
          location: location.name,
          cluster,
          clusterUid: clusterId,
          outcome,
          labelSelector,
          started,
          ttlMs,
          extensions,
          logger: log.logger,
          finishLogs: () => log.finish(),
        });
        emit('done', {
          resource: '',
          itemsBackedUp: outcome.itemsBackedUp,
          resourcesDone: 1,
          resourcesTotal: 1,
        });
        return {
          name: request.name,
          phase: record.phase,
          location: location.name,
          cluster: clusterId,
          itemsBackedUp: outcome.itemsBackedUp,
          errors: outcome.results.errorCount,
          warnings: outcome.results.warningCount,
          failureReason: record.failureReason,
          counts: outcome.counts,
          startTimestamp: started.toISOString(),
          completionTimestamp: record.completed.toISOString(),
          expiration: record.expiration.toISOString(),
        };
      } catch (err) {
        writer.output.destroy();
        await upload.abort();
        if (deps.signal?.aborted) {
          throw new LifeboatError('INTERRUPTED', `backup ${request.name} interrupted: nothing was stored`, {
            hint: 'run the backup again (the name is free)',
          });
        }
        throw storeFailure(abort.signal.aborted ? abort.signal.reason : err, location.name);
      } finally {
        deps.signal?.removeEventListener('abort', onOuterAbort);
        abort.signal.removeEventListener('abort', onAbort);
      }
    } finally {
      cluster.close();
    }
  } finally {
    await opened.close();
  }
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

function scopeFor(request: BackupRequest, served: readonly ApiResource[]): BackupScope {
  return new BackupScope(
    {
      includedNamespaces: request.includedNamespaces,
      excludedNamespaces: request.excludedNamespaces,
      includedResources: request.includedResources,
      excludedResources: [
        ...request.excludedResources,
        ...SNAPSHOT_RESOURCES.filter((gr) => served.some((r) => r.groupResource === gr)),
      ],
      includeClusterResources: request.includeClusterResources,
    },
    served,
  );
}

function parseTtl(text: string): number {
  try {
    return parseDuration(text, '--ttl');
  } catch (err) {
    if (!(err instanceof InvalidDurationError)) throw err;
    throw new LifeboatError('USAGE', err.message, { hint: 'use a Go duration such as 720h, 168h or 1h30m' });
  }
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
