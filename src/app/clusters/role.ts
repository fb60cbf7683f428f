import type { ClusterEntry, Fleet } from '../../config/index.ts';
import type { ClusterRole } from './fleet-model.ts';

/**
 * The site's management cluster is a member of the fleet like any other: the entry that
 * `fleet.managementCluster` names (the discovery source is the management cluster by itself), else the
 * entry marked `role: management`. Every other cluster, configured or discovered, is a workload cluster.
 */
export function clusterRole(
  config: { clusters?: readonly ClusterEntry[] | undefined; fleet?: Fleet | undefined },
  name: string,
): ClusterRole {
  return name === managementClusterName(config) ? 'management' : 'workload';
}

/** The name of the site's management cluster, when the config has one. */
export function managementClusterName(config: {
  clusters?: readonly ClusterEntry[] | undefined;
  fleet?: Fleet | undefined;
}): string | undefined {
  return config.fleet?.managementCluster ?? config.clusters?.find((c) => c.role === 'management')?.name;
}
