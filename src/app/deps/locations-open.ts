import type { Logger } from '../../log/index.ts';
import type { Location } from '../../model/index.ts';
import { isEmbeddedDefaultFolder, loadConfig, resolveLocation } from '../../config/index.ts';
import { BackupStore, openObjectStore, type ObjectStore } from '../../store/index.ts';
import type { ClusterRef, ClusterScope } from '../clusters/index.ts';

export interface OpenedLocation {
  location: Location;
  /** The location's object store itself (for what is not a backup: probes, listings). */
  store: ObjectStore;
  backupStore: BackupStore;
  /** The cluster of the fleet whose prefix this is, when opened for one. */
  cluster?: ClusterScope | undefined;
  close(): Promise<void>;
}

/**
 * The named (or default) storage location from the config file, opened as a BackupStore; with a
 * cluster, at that cluster's prefix (in its own location unless one is named). A cluster given by
 * name is resolved as the CLI's `--cluster` is (app/clusters resolveClusterScope); the server gives
 * the scope its fleet registry holds.
 */
export async function openLocation(
  configPath: string | undefined,
  name: string | undefined,
  logger: Logger,
  cluster?: ClusterRef,
): Promise<OpenedLocation> {
  const config = await loadConfig(configPath);
  if (cluster === undefined) return openStores(resolveLocation(config, name), { logger });
  // The fleet (and the Kubernetes client it probes clusters with) is loaded only for a cluster's
  // prefix: a command on a location's own folder — `repo snapshot` on a filesystem — never needs it.
  const { clusterLocation, resolveClusterScope } = await import('../clusters/index.ts');
  const scope =
    typeof cluster === 'string' ? await resolveClusterScope(config, cluster, { logger }) : cluster;
  const opened = await openStores(clusterLocation(resolveLocation(config, name ?? scope.location), scope), {
    logger,
  });
  return { ...opened, cluster: scope };
}

/** What a query of a location names: the config file, the location (default: the default one) and, for a cluster of the fleet, the cluster whose prefix it reads. */
export interface LocationQuery {
  configPath: string | undefined;
  location: string | undefined;
  logger: Logger;
  /** A cluster of the fleet: its backups, under its prefix (app/clusters resolveClusterScope). */
  cluster?: ClusterRef | undefined;
}

/** What a run's request names (backup, restore, drill): its storage location, at its cluster's prefix if any. */
export interface LocationRequest {
  configPath?: string | undefined;
  storageLocation?: string | undefined;
  cluster?: ClusterRef | undefined;
}

/** The query of the location a run's request names, to open with withLocation. */
export function requestedLocation(request: LocationRequest, logger: Logger): LocationQuery {
  return {
    configPath: request.configPath,
    location: request.storageLocation,
    logger,
    cluster: request.cluster,
  };
}

/** Runs `use` with the query's location opened (at its cluster's prefix, if any), and closes it whatever happens. */
export async function withLocation<T>(
  query: LocationQuery,
  use: (opened: OpenedLocation) => Promise<T>,
): Promise<T> {
  const opened = await openLocation(query.configPath, query.location, query.logger, query.cluster);
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}

/**
 * A location's object store and the BackupStore over it (under the location's prefix); the embedded
 * default folder is created on first use. `retry` overrides the store's retry policy.
 */
export async function openStores(
  location: Location,
  options: { logger?: Logger | undefined; retry?: { maxAttempts: number } },
): Promise<OpenedLocation> {
  const store = await openObjectStore(location, {
    logger: options.logger,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    createRoot: isEmbeddedDefaultFolder(location),
  });
  return {
    location,
    store,
    backupStore: new BackupStore(store, location.objectStorage.prefix ?? ''),
    close: () => store.close(),
  };
}
