import { type KubeClient, LeaseClient } from '../../kube/index.ts';
import { fnv32 } from '../../schedule/index.ts';

/**
 * coordination.k8s.io/v1 Leases of the fleet, in the server's namespace of the management cluster:
 * one per cluster (`lifeboat-cluster-<name>`: which replica does its scheduled work) and one per
 * replica (`lifeboat-replica-<id>`: which replicas are alive, so each knows its share).
 */

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const CLUSTER_LABEL = 'lifeboat.io/cluster';
export const REPLICA_LABEL = 'lifeboat.io/replica';
export const CLUSTER_UID_ANNOTATION = 'lifeboat.io/cluster-uid';

const NAME_MAX = 63;

/** `<prefix><name>`, a DNS label: cut and ended with a hash of the full name when too long. */
function leaseName(prefix: string, name: string): string {
  const clean =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x';
  const full = `${prefix}${clean}`;
  if (full.length <= NAME_MAX && clean === name) return full;
  return `${full.slice(0, NAME_MAX - 9).replace(/-+$/, '')}-${fnv32(name)}`;
}

export const clusterLeaseName = (cluster: string) => leaseName('lifeboat-cluster-', cluster);
export const replicaLeaseName = (replica: string) => leaseName('lifeboat-replica-', replica);

/** The selector of lifeboat's Leases carrying the label `key` (any value). */
export const selector = (key: string) => `${MANAGED_BY}=lifeboat,${key}`;

/**
 * Who holds each cluster's Lease now, as one read sees it (`schedule describe`): the holder while its
 * renewTime plus its duration is in the future on this machine's clock; released or expired leases
 * have no owner.
 */
export async function readClusterOwners(
  client: KubeClient,
  namespace: string,
  now = Date.now(),
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const lease of await new LeaseClient(client, namespace).list(selector(CLUSTER_LABEL))) {
    const cluster = lease.metadata.labels?.[CLUSTER_LABEL];
    const holder = lease.spec?.holderIdentity ?? undefined;
    const renewed = Date.parse(lease.spec?.renewTime ?? '');
    const validMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (cluster === undefined || holder === undefined || holder === '' || !Number.isFinite(renewed)) continue;
    if (renewed + validMs > now) owners.set(cluster, holder);
  }
  return owners;
}
