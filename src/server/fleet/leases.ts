import * as z from 'zod';
import { KubeApiError, type KubeClient, leasePath } from '../../kube/index.ts';
import { dictionarySchema } from '../../model/index.ts';
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

const MicroTime = z.string().max(64).nullish();
export const LeaseSchema = z.object({
  metadata: z
    .object({
      name: z.string().max(253),
      namespace: z.string().max(63).optional(),
      resourceVersion: z.string().max(64).optional(),
      labels: dictionarySchema(z.string().max(63)).optional(),
      annotations: dictionarySchema(z.string().max(262_144)).optional(),
    })
    .passthrough(),
  spec: z
    .object({
      holderIdentity: z.string().max(253).nullish(),
      leaseDurationSeconds: z.number().int().min(0).max(86_400).nullish(),
      acquireTime: MicroTime,
      renewTime: MicroTime,
      leaseTransitions: z.number().int().min(0).nullish(),
    })
    .passthrough()
    .optional(),
});
export type Lease = z.infer<typeof LeaseSchema>;
export type LeaseSpec = NonNullable<Lease['spec']>;

const LeaseListSchema = z.object({
  metadata: z.object({ continue: z.string().optional() }).passthrough().optional(),
  items: z.array(z.unknown()).max(100_000),
});

const base = (namespace: string) => leasePath(namespace);
const TIMEOUT_MS = 5000;

/** The Leases with the label `key` (any value), managed by lifeboat; an unreadable one is left out. */
export async function listLeases(client: KubeClient, namespace: string, key: string): Promise<Lease[]> {
  const out: Lease[] = [];
  let token: string | undefined;
  do {
    const body = LeaseListSchema.parse(
      await client.json<unknown>({
        path: base(namespace),
        query: { labelSelector: `${MANAGED_BY}=lifeboat,${key}`, limit: 500, continue: token },
        retries: 1,
        timeoutMs: TIMEOUT_MS,
      }),
    );
    for (const item of body.items) {
      const lease = LeaseSchema.safeParse(item);
      if (lease.success) out.push(lease.data);
    }
    token = body.metadata?.continue || undefined;
  } while (token !== undefined);
  return out;
}

/** Creates the lease; undefined when another replica created it first (409). */
export async function createLease(
  client: KubeClient,
  namespace: string,
  metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> },
  spec: LeaseSpec,
): Promise<Lease | undefined> {
  try {
    const created = await client.json<unknown>({
      method: 'POST',
      path: base(namespace),
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { ...metadata, namespace },
        spec,
      },
      retries: 1,
      timeoutMs: TIMEOUT_MS,
    });
    return LeaseSchema.parse(created);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) return undefined;
    throw err;
  }
}

/** Replaces the lease's spec at its resourceVersion; undefined when it changed meanwhile (409). */
export async function updateLease(
  client: KubeClient,
  namespace: string,
  lease: Lease,
  spec: LeaseSpec,
  metadata: Partial<Pick<Lease['metadata'], 'labels' | 'annotations'>> = {},
): Promise<Lease | undefined> {
  try {
    const updated = await client.json<unknown>({
      method: 'PUT',
      path: `${base(namespace)}/${encodeURIComponent(lease.metadata.name)}`,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { ...lease.metadata, ...metadata },
        spec: { ...lease.spec, ...spec },
      },
      retries: 1,
      timeoutMs: TIMEOUT_MS,
    });
    return LeaseSchema.parse(updated);
  } catch (err) {
    if (err instanceof KubeApiError && (err.status === 409 || err.status === 404)) return undefined;
    throw err;
  }
}

export async function deleteLease(client: KubeClient, namespace: string, name: string): Promise<void> {
  try {
    await client.json({
      method: 'DELETE',
      path: `${base(namespace)}/${encodeURIComponent(name)}`,
      retries: 1,
      timeoutMs: TIMEOUT_MS,
    });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
  }
}

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
  for (const lease of await listLeases(client, namespace, CLUSTER_LABEL)) {
    const cluster = lease.metadata.labels?.[CLUSTER_LABEL];
    const holder = lease.spec?.holderIdentity ?? undefined;
    const renewed = Date.parse(lease.spec?.renewTime ?? '');
    const validMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (cluster === undefined || holder === undefined || holder === '' || !Number.isFinite(renewed)) continue;
    if (renewed + validMs > now) owners.set(cluster, holder);
  }
  return owners;
}
