import { randomUUID } from 'node:crypto';
import { LifeboatError } from '../../errors/index.ts';
import { captureLogs } from '../../log/index.ts';
import { InvalidDurationError, parseDuration } from '../../gojson/index.ts';
import type { LabelSelector, Location } from '../../model/index.ts';
import { checkPatternLists, parseLabelSelector } from '../../selection/index.ts';
import { checkHooks } from '../../config/index.ts';
import { BackupScope, MainListing } from '../../backup/index.ts';
import { discoverResources, type ApiResource } from '../../kube/index.ts';
import type { BackupRequest } from './backup-request.ts';
import { clusterUid, connectCluster, type ConnectedCluster } from '../deps/cluster.ts';
import { type OpenedLocation, requestedLocation, withLocation } from '../deps/locations-open.ts';
import { storeRun, type BackupDeps, type BackupRun, type BackupRunResult } from './run-backup-write.ts';

export type { BackupExtension, BackupExtensionContext, BackupExtensionRun } from './backup-record.ts';
export type { BackupRequest } from './backup-request.ts';
export type { BackupDeps, BackupRunEvent, BackupRunResult } from './run-backup-write.ts';

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
 * The steps, in order: check the request, open the location, connect, claim the name, store.
 */
export async function runBackup(request: BackupRequest, deps: BackupDeps): Promise<BackupRunResult> {
  const checked = checkRequest(request);
  return withLocation(requestedLocation(request, deps.logger), async (opened) => {
    refuseReadOnly(opened.location);
    const cluster = await connectCluster(request.kube);
    try {
      const run = await beginRun(request, deps, checked, opened, cluster);
      return await storeRun(run, deps);
    } finally {
      cluster.close();
    }
  });
}

/** What the request says once parsed: refused here, before anything is opened, if it is malformed. */
interface CheckedRequest {
  ttlMs: number;
  labelSelector: LabelSelector | undefined;
}

function checkRequest(request: BackupRequest): CheckedRequest {
  const ttlMs = parseTtl(request.ttl);
  if (request.podVolumeTimeout !== undefined) parseTtl(request.podVolumeTimeout, '--pod-volume-timeout');
  const labelSelector = request.labelSelector ? parseLabelSelector(request.labelSelector) : undefined;
  if (request.hooks !== undefined) checkHooks(request.hooks, "the backup's hooks");
  checkPatternLists(
    request.includedNamespaces,
    request.excludedNamespaces,
    request.includedResources,
    request.excludedResources,
  );
  return { ttlMs, labelSelector };
}

function refuseReadOnly(location: Location): void {
  if (location.accessMode !== 'ReadOnly') return;
  throw new LifeboatError(
    'CONFIG',
    `storage location '${location.name}' is read-only: backups cannot be created there`,
    {
      hint: 'choose another --storage-location, or set the location to ReadWrite',
    },
  );
}

/** Discovers the cluster, scopes the backup and claims its name; nothing of the backup is written yet. */
async function beginRun(
  request: BackupRequest,
  deps: BackupDeps,
  checked: CheckedRequest,
  opened: OpenedLocation,
  cluster: ConnectedCluster,
): Promise<BackupRun> {
  const [{ resources, failedGroups }, clusterId] = await Promise.all([
    discoverResources(cluster.client),
    clusterUid(cluster.client),
  ]);
  refuseOtherCluster(opened, clusterId);
  const scope = scopeFor(request, resources);
  const listing = new MainListing(scope, resources, checked.labelSelector);
  // The name is claimed create-only: a second writer of the same name (another cluster sharing
  // the bucket) fails here, before it has written anything.
  const upload = await opened.backupStore.beginBackup(request.name, {
    cluster: clusterId,
    writer: request.writer,
  });
  const started = new Date();
  const log = captureLogs(deps.logger, { backup: request.name });
  for (const g of failedGroups)
    log.logger.warn({ groupVersion: g.groupVersion }, `API discovery failed: ${g.error}`);
  const location = opened.location.name;
  log.logger.info(
    { server: cluster.server, version: cluster.version.gitVersion, location },
    `backing up cluster ${cluster.server} (${cluster.version.gitVersion}) to ${location}`,
  );
  return {
    ...checked,
    request,
    location,
    cluster,
    clusterId,
    resources,
    scope,
    listing,
    upload,
    started,
    log,
    uid: randomUUID(),
  };
}

/** A fleet cluster's prefix holds its own backups only: a kubeconfig now reaching another cluster is refused. */
function refuseOtherCluster(opened: OpenedLocation, clusterId: string): void {
  const expected = opened.cluster?.uid;
  if (expected === undefined || expected === clusterId) return;
  throw new LifeboatError(
    'CONFLICT',
    `the kubeconfig of cluster '${opened.cluster?.name ?? ''}' reaches another cluster (identity ${clusterId}, recorded ${expected})`,
    {
      hint: 'fix the kubeconfig of the cluster entry, or remove the entry and add the cluster again',
    },
  );
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

function parseTtl(text: string, flag = '--ttl'): number {
  try {
    return parseDuration(text, flag);
  } catch (err) {
    if (!(err instanceof InvalidDurationError)) throw err;
    throw new LifeboatError('USAGE', err.message, { hint: 'use a Go duration such as 720h, 168h or 1h30m' });
  }
}
