import * as z from 'zod';
import { LifeboatError } from '../../errors/index.ts';
import { getOrUndefined, type KubeClient, type KubeTarget } from '../../kube/index.ts';
import { dictionarySchema, nullObject } from '../../model/index.ts';
import { ClusterPrefixSchema, type Fleet } from '../../config/index.ts';
import type { ClusterCandidate } from './fleet-model.ts';

/**
 * Discovery in a management cluster: Cluster API `clusters.cluster.x-k8s.io` objects with their
 * `<name>-kubeconfig` Secrets (key `value`), and Secrets selected by label holding a kubeconfig (key
 * `value` or `kubeconfig`). The kubeconfigs are credentials: kept in memory in the candidate's target,
 * never logged, never written, never quoted in a message.
 */

const CAPI_GROUP = 'cluster.x-k8s.io';
/** On a Cluster API `Cluster`: the Secret (same namespace, key `value` or `kubeconfig`) holding its standby's kubeconfig. */
export const STANDBY_SECRET_ANNOTATION = 'lifeboat.io/standby-kubeconfig-secret';
/**
 * On a Cluster API `Cluster` or a discovered kubeconfig Secret: the cluster's prefix in its location,
 * as a configured entry's `prefix` (default clusters/<name>).
 */
export const PREFIX_ANNOTATION = 'lifeboat.io/prefix';
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A kubeconfig is a few kilobytes; a larger Secret value is not read as one. */
const MAX_KUBECONFIG_BYTES = 256 * 1024;
/** At most this many objects are read from one listing. */
const MAX_LISTED = 10_000;
const PAGE = 500;

const Meta = z.object({
  name: z.string().max(253),
  namespace: z.string().max(63).default(''),
  labels: dictionarySchema(z.string()).optional(),
  annotations: dictionarySchema(z.string()).optional(),
});
const ListSchema = z.object({
  metadata: z.object({ continue: z.string().optional() }).optional(),
  items: z.array(z.object({ metadata: Meta }).passthrough()),
});
const SecretSchema = z.object({
  metadata: Meta,
  data: dictionarySchema(z.string()).optional(),
});

export interface Discovered {
  candidates: ClusterCandidate[];
  /** Objects found but not usable (no kubeconfig Secret, an unreadable value): named, never quoted. */
  problems: string[];
}

/** Everything the fleet's discovery settings find in the management cluster. */
export async function discoverClusters(client: KubeClient, fleet: Fleet): Promise<Discovered> {
  const out: Discovered = { candidates: [], problems: [] };
  const namespaces = fleet.discover.namespaces ?? [undefined];
  for (const ns of namespaces) {
    if (fleet.discover.clusterApi) await discoverClusterApi(client, ns, out);
    if (fleet.discover.secretSelector !== undefined)
      await discoverSecrets(client, ns, fleet.discover.secretSelector, out);
  }
  return out;
}

async function discoverClusterApi(
  client: KubeClient,
  ns: string | undefined,
  out: Discovered,
): Promise<void> {
  const group = await getOrUndefined<{ preferredVersion?: { version?: unknown } }>(client, {
    path: `/apis/${CAPI_GROUP}`,
  });
  const version = group?.preferredVersion?.version;
  // No Cluster API in this cluster: nothing to discover (not an error).
  if (typeof version !== 'string' || !/^v[0-9a-z]+$/.test(version)) return;
  const base = `/apis/${CAPI_GROUP}/${version}${ns === undefined ? '' : `/namespaces/${ns}`}/clusters`;
  for (const item of await listAll(client, base)) {
    const { name, namespace, labels, annotations } = item.metadata;
    const secretName = `${name}-kubeconfig`;
    const origin = `cluster-api/${namespace}/${name}`;
    const text = await secretKubeconfig(client, namespace, secretName, ['value']);
    if (text === undefined) {
      out.problems.push(`${origin}: no readable kubeconfig in Secret ${namespace}/${secretName} (key value)`);
      continue;
    }
    const prefix = prefixOf(annotations, origin, out);
    if (prefix === false) continue;
    const found = { ...candidate('cluster-api', name, origin, labels, text), prefix };
    const standbySecret = annotations?.[STANDBY_SECRET_ANNOTATION];
    if (standbySecret !== undefined) found.standby = await standbyOf(client, namespace, standbySecret, out);
    out.candidates.push(found);
  }
}

async function secretKubeconfig(
  client: KubeClient,
  namespace: string,
  name: string,
  keys: readonly string[],
): Promise<string | undefined> {
  const secret = await getOrUndefined<unknown>(client, {
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
  });
  return secret === undefined ? undefined : kubeconfigOf(secret, keys);
}

/** The standby a Cluster's annotation names: the kubeconfig in that Secret, held in memory; a problem when unreadable. */
async function standbyOf(
  client: KubeClient,
  namespace: string,
  secretName: string,
  out: Discovered,
): Promise<KubeTarget | undefined> {
  if (!SECRET_NAME.test(secretName)) {
    out.problems.push(`a Cluster in ${namespace}: ${STANDBY_SECRET_ANNOTATION} is not a Secret name`);
    return undefined;
  }
  const source = `secret/${namespace}/${secretName}`;
  const text = await secretKubeconfig(client, namespace, secretName, ['value', 'kubeconfig']);
  if (text === undefined) {
    out.problems.push(
      `${source} (${STANDBY_SECRET_ANNOTATION}): no readable standby kubeconfig (key value or kubeconfig)`,
    );
    return undefined;
  }
  return { kubeconfigData: { text, source } };
}

async function discoverSecrets(
  client: KubeClient,
  ns: string | undefined,
  selector: string,
  out: Discovered,
): Promise<void> {
  const base = `/api/v1${ns === undefined ? '' : `/namespaces/${ns}`}/secrets`;
  for (const item of await listAll(client, base, selector)) {
    const { name, namespace, labels, annotations } = item.metadata;
    const origin = `secret/${namespace}/${name}`;
    const text = kubeconfigOf(item, ['value', 'kubeconfig']);
    if (text === undefined) {
      out.problems.push(`${origin}: no readable kubeconfig (key value or kubeconfig)`);
      continue;
    }
    const prefix = prefixOf(annotations, origin, out);
    if (prefix === false) continue;
    out.candidates.push({ ...candidate('secret', clusterName(name), origin, labels, text), prefix });
  }
}

/**
 * The prefix an object's annotation names (undefined: the default); false, with a problem, when it
 * is not a relative folder path — the cluster is then left out rather than backed up elsewhere.
 */
function prefixOf(
  annotations: Record<string, string> | undefined,
  origin: string,
  out: Discovered,
): string | undefined | false {
  const value = annotations?.[PREFIX_ANNOTATION];
  if (value === undefined) return undefined;
  const parsed = ClusterPrefixSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  out.problems.push(`${origin}: ${PREFIX_ANNOTATION} is not a relative folder path such as clusters/prod-a`);
  return false;
}

function candidate(
  source: 'cluster-api' | 'secret',
  name: string,
  origin: string,
  labels: Record<string, string> | undefined,
  text: string,
): ClusterCandidate {
  return {
    name: clusterName(name),
    source,
    origin,
    labels: nullObject(labels ?? {}),
    target: { kubeconfigData: { text, source: origin } },
  };
}

/** A DNS label for the cluster: the object's name without `-kubeconfig`, shortened to 63 characters. */
function clusterName(name: string): string {
  const base = name.replace(/-kubeconfig$/, '').toLowerCase();
  const label = base.replace(/[^a-z0-9-]+/g, '-').slice(0, 63);
  return label.replace(/^-+|-+$/g, '') || 'cluster';
}

/** The decoded kubeconfig under the first of `keys` the Secret has; undefined if none or too large. */
function kubeconfigOf(secret: unknown, keys: readonly string[]): string | undefined {
  const parsed = SecretSchema.safeParse(secret);
  if (!parsed.success) return undefined;
  const data = parsed.data.data ?? {};
  for (const key of keys) {
    const value = Object.hasOwn(data, key) ? data[key] : undefined;
    if (value === undefined) continue;
    if (value.length > (MAX_KUBECONFIG_BYTES * 4) / 3 + 4) return undefined;
    const text = Buffer.from(value, 'base64').toString('utf8');
    return text.trim() === '' ? undefined : text;
  }
  return undefined;
}

type Listed = z.infer<typeof ListSchema>['items'][number];

async function listAll(client: KubeClient, path: string, labelSelector?: string): Promise<Listed[]> {
  const items: Listed[] = [];
  let token: string | undefined;
  do {
    const body = await client.json<unknown>({
      path,
      query: { limit: PAGE, continue: token, labelSelector },
      timeoutMs: 30_000,
    });
    const page = ListSchema.safeParse(body);
    if (!page.success)
      throw new LifeboatError(
        'OPERATION_FAILED',
        `the management cluster sent an unreadable list for ${path}`,
        {
          hint: 'is the management cluster a Kubernetes API server with Cluster API installed?',
        },
      );
    items.push(...page.data.items);
    if (items.length > MAX_LISTED)
      throw new LifeboatError('OPERATION_FAILED', `more than ${MAX_LISTED} objects at ${path}`, {
        hint: 'narrow the discovery with fleet.discover.namespaces or a tighter secretSelector',
      });
    token = page.data.metadata?.continue || undefined;
  } while (token !== undefined);
  return items;
}
