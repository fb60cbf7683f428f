import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { LifeboatError } from '../errors/index.ts';
import { captureLogs, type Logger } from '../log/index.ts';
import { goEncodeLine } from '../model/go-json.ts';
import {
  buildVeleroBackupJson,
  formatGoDuration,
  InvalidDurationError,
  parseDuration,
  withVeleroAutoExclusions,
} from '../model/velero-backup-builder.ts';
import { BACKUP_FORMAT_VERSION, type BackupPhase } from '../model/velero.ts';
import { BackupArchiveWriter } from '../archive/writer.ts';
import { collectBackupItems, type BackupProgress, type CollectOutcome } from '../backup/backupper.ts';
import { parseLabelSelector } from '../backup/label-selector.ts';
import { BackupScope } from '../backup/scope.ts';
import { builtinBackupActions } from '../actions/builtin-backup-actions.ts';
import { discoverResources, type ApiResource } from '../kube/discovery.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';
import { connectCluster, type ConnectedCluster } from './cluster.ts';
import { openLocation } from './locations-open.ts';

export interface BackupRequest {
  name: string;
  includedNamespaces: string[];
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  labelSelector?: string | undefined;
  includeClusterResources?: boolean | undefined;
  storageLocation?: string | undefined;
  /** Go duration, e.g. "720h". */
  ttl: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  kube: KubeTarget;
  configPath?: string | undefined;
}

export interface BackupRunEvent extends BackupProgress {
  phase: 'collecting' | 'uploading' | 'done';
  bytesUploaded: number;
}

export interface BackupRunResult {
  name: string;
  phase: BackupPhase;
  location: string;
  itemsBackedUp: number;
  errors: number;
  warnings: number;
  failureReason?: string | undefined;
  counts: Record<string, number>;
  startTimestamp: string;
  completionTimestamp: string;
  expiration: string;
}

/** What a backup extension sees once the items are collected. */
export interface BackupExtensionContext {
  name: string;
  cluster: ConnectedCluster;
  served: readonly ApiResource[];
  /** Undefined when the backup failed before collection finished. */
  outcome: CollectOutcome | undefined;
  logger: Logger;
}

/**
 * Adds lifeboat's own files to a backup folder (e.g. the cluster profile), written before
 * velero-backup.json. A failing extension is a backup error (PartiallyFailed), not a lost backup.
 */
export interface BackupExtension {
  name: string;
  files(context: BackupExtensionContext): Promise<{ fileName: string; body: Buffer }[]>;
}

export interface BackupDeps {
  logger: Logger;
  onEvent?: (event: BackupRunEvent) => void;
  signal?: AbortSignal;
  extensions?: readonly BackupExtension[];
}

/**
 * Backs up a cluster into a storage location in Velero's format. Write order makes partial state
 * invisible: the tarball and every sidecar first, velero-backup.json last; if the store fails,
 * everything written is removed and the backup does not exist. A lost API server ends the backup
 * as Failed (stored, with the reason); per-item problems make it PartiallyFailed.
 */
export async function runBackup(request: BackupRequest, deps: BackupDeps): Promise<BackupRunResult> {
  const ttlMs = parseTtl(request.ttl);
  const labelSelector = request.labelSelector ? parseLabelSelector(request.labelSelector) : undefined;
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
      const { resources, failedGroups } = await discoverResources(cluster.client);
      const scope = new BackupScope(
        {
          includedNamespaces: request.includedNamespaces,
          excludedNamespaces: request.excludedNamespaces,
          includedResources: request.includedResources,
          // Like Velero 1.17+: snapshot objects are made by the CSI machinery, never backed up as items.
          excludedResources: [
            ...request.excludedResources,
            ...SNAPSHOT_RESOURCES.filter((gr) => resources.some((r) => r.groupResource === gr)),
          ],
          includeClusterResources: request.includeClusterResources,
        },
        resources,
      );
      const upload = await backupStore.beginBackup(request.name);
      const started = new Date();
      const log = captureLogs(deps.logger, { backup: request.name });
      for (const g of failedGroups)
        log.logger.warn({ groupVersion: g.groupVersion }, `API discovery failed: ${g.error}`);
      const abort = new AbortController();
      const onOuterAbort = () => abort.abort(deps.signal?.reason);
      deps.signal?.addEventListener('abort', onOuterAbort, { once: true });
      const writer = new BackupArchiveWriter();
      const emit = (phase: BackupRunEvent['phase'], p: BackupProgress) =>
        deps.onEvent?.({ ...p, phase, bytesUploaded: writer.compressedBytes });
      const tarball = upload.putFile(`${request.name}.tar.gz`, writer.output);
      tarball.catch((err: unknown) => abort.abort(err));
      let phase: BackupPhase = 'Completed';
      let failureReason: string | undefined;
      let outcome: Awaited<ReturnType<typeof collectBackupItems>> | undefined;
      try {
        log.logger.info(
          { server: cluster.server, version: cluster.version.gitVersion, location: location.name },
          `backing up cluster ${cluster.server} (${cluster.version.gitVersion}) to ${location.name}`,
        );
        await writer.writeVersion(BACKUP_FORMAT_VERSION);
        outcome = await collectBackupItems({
          client: cluster.client,
          served: resources,
          scope,
          labelSelector,
          actions: builtinBackupActions,
          sink: { addItem: (item) => raceAbort(writer.addItem(item), abort.signal) },
          logger: log.logger,
          onProgress: (p) => emit('collecting', p),
          signal: abort.signal,
        });
        phase = outcome.results.errorCount > 0 ? 'PartiallyFailed' : 'Completed';
      } catch (err) {
        if (deps.signal?.aborted || abort.signal.aborted || !(err instanceof LifeboatError)) {
          writer.output.destroy();
          await upload.abort();
          if (deps.signal?.aborted) {
            throw new LifeboatError('INTERRUPTED', `backup ${request.name} interrupted: nothing was stored`, {
              hint: 'run the backup again (the name is free)',
            });
          }
          throw abort.signal.aborted ? storeFailure(abort.signal.reason, location.name) : err;
        }
        phase = 'Failed';
        failureReason = err.message;
        log.logger.error({ err }, `backup failed: ${err.message}`);
      }
      try {
        await raceAbort(writer.finish(), abort.signal);
        await tarball;
      } catch (err) {
        await upload.abort();
        throw storeFailure(err, location.name);
      }
      try {
        for (const extension of deps.extensions ?? []) {
          let files: { fileName: string; body: Buffer }[] = [];
          try {
            files = await extension.files({
              name: request.name,
              cluster,
              served: resources,
              outcome,
              logger: log.logger,
            });
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            outcome?.results.error({ message: `${extension.name} failed`, error: message });
            if (phase === 'Completed') phase = 'PartiallyFailed';
            log.logger.error({ err }, `${extension.name} failed: ${message}`);
          }
          for (const f of files) await upload.putFile(f.fileName, f.body);
        }
        const results = outcome?.results;
        const completed = new Date();
        const expiration = new Date(started.getTime() + ttlMs);
        log.logger.info({ phase, items: outcome?.itemsBackedUp ?? 0 }, `backup ${request.name} ${phase}`);
        const gz = (value: unknown) => gzipSync(goEncodeLine(value));
        await upload.putFile(`${request.name}-logs.gz`, await log.finish());
        await upload.putFile(`${request.name}-resource-list.json.gz`, gz(outcome?.resourceList ?? {}));
        await upload.putFile(
          `${request.name}-results.gz`,
          gz(results?.toFile() ?? { errors: {}, warnings: {} }),
        );
        await upload.putFile(`${request.name}-itemoperations.json.gz`, gz([]));
        await upload.putFile(`${request.name}-volumesnapshots.json.gz`, gz(null));
        await upload.putFile(`${request.name}-podvolumebackups.json.gz`, gz(null));
        await upload.putFile(`${request.name}-volumeinfo.json.gz`, gz([]));
        const json = buildVeleroBackupJson({
          name: request.name,
          uid: randomUUID(),
          storageLocation: location.name,
          labels: request.labels,
          annotations: request.annotations ?? {},
          sourceVersion: cluster.version,
          spec: withVeleroAutoExclusions({
            includedNamespaces: request.includedNamespaces.length > 0 ? request.includedNamespaces : ['*'],
            excludedNamespaces: nonEmpty(request.excludedNamespaces),
            includedResources: nonEmpty(request.includedResources),
            excludedResources: nonEmpty(request.excludedResources),
            labelSelector,
            includeClusterResources: request.includeClusterResources,
            ttl: formatGoDuration(ttlMs),
          }),
          phase,
          startTimestamp: started,
          completionTimestamp: completed,
          expiration,
          failureReason,
          warnings: results?.warningCount ?? 0,
          errors: results?.errorCount ?? 0,
          itemsBackedUp: outcome?.itemsBackedUp ?? 0,
          totalItems: outcome?.itemsBackedUp ?? 0,
        });
        await upload.commit(json);
        emit('done', {
          resource: '',
          itemsBackedUp: outcome?.itemsBackedUp ?? 0,
          resourcesDone: 1,
          resourcesTotal: 1,
        });
        return {
          name: request.name,
          phase,
          location: location.name,
          itemsBackedUp: outcome?.itemsBackedUp ?? 0,
          errors: results?.errorCount ?? 0,
          warnings: results?.warningCount ?? 0,
          failureReason,
          counts: outcome?.counts ?? {},
          startTimestamp: started.toISOString(),
          completionTimestamp: completed.toISOString(),
          expiration: expiration.toISOString(),
        };
      } catch (err) {
        await upload.abort();
        throw storeFailure(err, location.name);
      } finally {
        deps.signal?.removeEventListener('abort', onOuterAbort);
      }
    } finally {
      cluster.close();
    }
  } finally {
    await opened.close();
  }
}

const SNAPSHOT_RESOURCES = [
  'volumesnapshots.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
];

function nonEmpty(values: string[]): string[] | undefined {
  return values.length > 0 ? values : undefined;
}

function parseTtl(text: string): number {
  try {
    return parseDuration(text, '--ttl');
  } catch (err) {
    if (!(err instanceof InvalidDurationError)) throw err;
    throw new LifeboatError('USAGE', err.message, { hint: 'use a Go duration such as 720h, 168h or 1h30m' });
  }
}

function storeFailure(err: unknown, location: string): unknown {
  if (err instanceof LifeboatError) {
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
  return err;
}

/** Rejects as soon as the signal aborts, so a stalled write does not hang the backup. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
