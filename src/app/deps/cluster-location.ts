import { LifeboatError } from '../../errors/index.ts';
import type { Location } from '../../model/index.ts';
import { defaultClusterPrefix, findCluster, type LifeboatConfig } from '../../config/index.ts';

/** Where one cluster's backups live: its location (default: the default one) and its prefix in it. */
export interface ClusterScope {
  name: string;
  location?: string | undefined;
  /** Inside the location's own prefix; default clusters/<name>. */
  prefix?: string | undefined;
  /** The identity recorded for it (config entries), to check the backups found there against. */
  uid?: string | undefined;
}

/**
 * The location as the cluster's own Velero would have it: Velero's BSL `prefix` is the location's
 * prefix followed by the cluster's, so that Velero (and lifeboat) at that prefix see exactly the
 * cluster's backups, under `<prefix>/backups/`.
 */
export function clusterLocation(location: Location, scope: ClusterScope): Location {
  const own = (scope.prefix ?? defaultClusterPrefix(scope.name)).replace(/^\/+|\/+$/g, '');
  const base = (location.objectStorage.prefix ?? '').replace(/^\/+|\/+$/g, '');
  return {
    ...location,
    objectStorage: { ...location.objectStorage, prefix: base === '' ? own : `${base}/${own}` },
  };
}

/**
 * The scope of a cluster named on the command line: its config entry, else (when a fleet is
 * discovered) a discovered cluster's default scope. NOT_FOUND when neither.
 */
export function clusterScope(
  config: Pick<LifeboatConfig, 'clusters' | 'fleet' | 'path'>,
  name: string,
): ClusterScope {
  const entry = config.clusters?.find((c) => c.name === name);
  if (entry !== undefined) return { name, location: entry.location, prefix: entry.prefix, uid: entry.uid };
  if (config.fleet !== undefined) return { name };
  findCluster(config, name);
  throw new LifeboatError('NOT_FOUND', `no cluster named '${name}'`);
}
