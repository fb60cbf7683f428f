import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { Location } from '../../model/index.ts';
import { defaultClusterPrefix, findCluster } from '../../config/index.ts';
import type { ClusterCandidate } from './fleet-model.ts';
import { ClusterRegistry, type FleetConfig, type RegistryOptions } from './registry.ts';

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
 * A cluster of the fleet as a use case is given it: its name (resolved by resolveClusterScope, as
 * the CLI's `--cluster` is), or its scope already resolved (the server, from its fleet registry).
 */
export type ClusterRef = string | ClusterScope;

/** The name of the cluster a ClusterRef stands for. */
export const clusterRefName = (ref: ClusterRef): string => (typeof ref === 'string' ? ref : ref.name);

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
 * The scope of a cluster of the fleet, from what the registry holds of it (its config entry, or what
 * discovery found: a Cluster object's or Secret's `lifeboat.io/prefix`): the one way every caller
 * derives it. Only a configured entry's recorded identity is checked against its backups.
 */
export function scopeOf(c: ClusterCandidate): ClusterScope {
  return {
    name: c.name,
    location: c.location,
    prefix: c.prefix,
    uid: c.source === 'config' ? c.recordedUid : undefined,
  };
}

/**
 * The scope of a cluster named on the command line: its config entry at once; else, when a fleet is
 * discovered, the discovered cluster of that name (discovery runs, nothing is probed). A name
 * discovery does not find (a cluster gone from the management cluster, or the management cluster
 * unreachable on the bad day) keeps the default scope, so its backups stay reachable by name; one
 * left out because its prefix is another cluster's is refused (CONFLICT), naming both.
 * NOT_FOUND without a fleet when no entry has the name.
 */
export async function resolveClusterScope(
  config: FleetConfig,
  name: string,
  options: { logger?: Logger | undefined; discover?: RegistryOptions['discover'] } = {},
): Promise<ClusterScope> {
  const entry = config.clusters?.find((c) => c.name === name);
  if (entry !== undefined) return { name, location: entry.location, prefix: entry.prefix, uid: entry.uid };
  if (config.fleet === undefined) {
    findCluster(config, name);
    throw new LifeboatError('NOT_FOUND', `no cluster named '${name}'`);
  }
  const registry = new ClusterRegistry({
    load: () => Promise.resolve(config),
    probe: () => Promise.resolve({ reachable: false }),
    ...(options.discover === undefined ? {} : { discover: options.discover }),
  });
  const refresh = await registry.refresh();
  const found = registry.find(name);
  if (found !== undefined) return scopeOf(found);
  // Left out because its prefix is another cluster's: never fall back to a folder it did not name.
  const shared = refresh.problems.find((p) => p.includes(`: cluster '${name}' would share the prefix `));
  if (shared !== undefined) throw new LifeboatError('CONFLICT', shared);
  for (const problem of refresh.problems)
    options.logger?.warn({ cluster: name }, `cluster ${name}: ${problem}; using its default prefix`);
  return { name };
}
