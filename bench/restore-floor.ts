/**
 * The raw floor for a restore: reads a backup tarball (classic item paths only, as the restore
 * does), then creates the same objects lifeboat creates with bare POSTs over the same client and
 * connection settings, at a fixed concurrency: namespaces first, then CRDs (awaited until
 * Established), then every other item in the restore's resource order as one flat pool. No plan,
 * no existence checks, no metadata reset beyond what a create needs, no results files.
 *
 * Skips what lifeboat skips: never-restored resources (events...), the cluster-managed items
 * (kube-root-ca.crt, controller-made EndpointSlices, completed and mirror pods) and APIServices
 * the aggregator manages. An object that already exists (409) counts as `exists`, not created.
 *
 * Usage: node bench/restore-floor.ts <kubeconfig> <backup.tar.gz> <concurrency>
 * Prints one JSON line: { items, created, exists, failed, skipped, readMs, createMs, byResource, errors }.
 */
import { createReadStream } from 'node:fs';
import { parseItem } from '../src/archive/catalog.ts';
import { readBackupArchive } from '../src/archive/reader.ts';
import { KubeApiError, KubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import type { KubeObject } from '../src/model/kube-object.ts';
import { objectPath } from '../src/kube/paths.ts';
import { intrinsicSkip } from '../src/restore/apply/prepare.ts';
import { CRD_RESOURCE, orderBackupResources } from '../src/restore/plan/priorities.ts';
import { NEVER_RESTORED } from '../src/selection/index.ts';

const [kubeconfig, archive, concurrencyArg] = process.argv.slice(2);
if (kubeconfig === undefined || archive === undefined || concurrencyArg === undefined) {
  throw new Error('usage: restore-floor.ts <kubeconfig> <backup.tar.gz> <concurrency>');
}
const concurrency = Number(concurrencyArg);
// The same socket pool lifeboat's restore opens (src/app/run-restore.ts).
const client = new KubeClient(loadKubeConfig({ kubeconfig }), { maxSockets: Math.max(16, concurrency) });

interface RawItem {
  groupResource: string;
  namespace: string | undefined;
  path: string;
  data: Buffer;
}

const started = performance.now();
const byResource = new Map<string, RawItem[]>();
let items = 0;
for await (const entry of readBackupArchive(createReadStream(archive))) {
  const p = entry.parsed;
  if (p.kind !== 'item' || p.versionDir !== undefined) continue;
  items++;
  let list = byResource.get(p.groupResource);
  if (list === undefined) byResource.set(p.groupResource, (list = []));
  list.push({ groupResource: p.groupResource, namespace: p.namespace, path: entry.path, data: entry.data });
}
const readMs = performance.now() - started;

const counts = { created: 0, exists: 0, failed: 0, skipped: 0 };
const perResource: Record<string, { created: number; exists: number; failed: number; skipped: number }> = {};
const errors: string[] = [];
const bump = (gr: string, what: keyof typeof counts) => {
  counts[what]++;
  (perResource[gr] ??= { created: 0, exists: 0, failed: 0, skipped: 0 })[what]++;
};

/** What a create needs: no server-owned metadata, status, owners or cluster IP (lifeboat resets these too). */
function strip(object: KubeObject, namespace: string | undefined): KubeObject {
  const m = object.metadata;
  for (const f of [
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'managedFields',
    'ownerReferences',
    'generation',
    'selfLink',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generateName',
  ]) {
    delete m[f];
  }
  delete object['status'];
  if (namespace === undefined) delete m.namespace;
  // The target allocates its own cluster IPs (headless Services keep None).
  const spec = object['spec'] as Record<string, unknown> | undefined;
  if (object.kind === 'Service' && spec !== undefined && spec['clusterIP'] !== 'None') {
    delete spec['clusterIP'];
    delete spec['clusterIPs'];
  }
  return object;
}

function skipped(gr: string, object: KubeObject): boolean {
  if (NEVER_RESTORED.includes(gr)) return true;
  if (intrinsicSkip(gr, object) !== undefined) return true;
  return (
    gr === 'apiservices.apiregistration.k8s.io' &&
    object.metadata.labels?.['kube-aggregator.kubernetes.io/automanaged'] !== undefined
  );
}

async function create(item: RawItem): Promise<void> {
  const gr = item.groupResource;
  if (NEVER_RESTORED.includes(gr)) return bump(gr, 'skipped');
  const object = parseItem(item.data, item.path);
  if (skipped(gr, object)) return bump(gr, 'skipped');
  const path =
    gr === 'namespaces'
      ? '/api/v1/namespaces'
      : objectPath(gr, object.apiVersion, item.namespace === undefined ? undefined : item.namespace);
  try {
    await client.text({ method: 'POST', path, body: strip(object, item.namespace) });
    bump(gr, 'created');
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) return bump(gr, 'exists');
    bump(gr, 'failed');
    if (errors.length < 20) errors.push(err instanceof Error ? err.message : String(err));
  }
}

/** fn over items, at most `limit` at once. */
async function pool<T>(list: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, list.length)) }, async () => {
      while (next < list.length) await fn(list[next++]!);
    }),
  );
}

async function waitEstablished(name: string): Promise<void> {
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`;
  for (let i = 0; i < 600; i++) {
    const crd = JSON.parse(await client.text({ path })) as {
      status?: { conditions?: { type: string; status: string }[] };
    };
    const ok = (t: string) => crd.status?.conditions?.some((c) => c.type === t && c.status === 'True');
    if (ok('Established') && ok('NamesAccepted')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`CRD ${name} not Established`);
}

const createStarted = performance.now();
// Namespaces: the backed-up ones, plus any namespace an item lives in that has no namespace item.
const namespaceItems = byResource.get('namespaces') ?? [];
byResource.delete('namespaces');
const named = new Set(namespaceItems.map((i) => i.path.slice(i.path.lastIndexOf('/') + 1, -'.json'.length)));
const extra = new Set<string>();
for (const list of byResource.values())
  for (const i of list) if (i.namespace !== undefined && !named.has(i.namespace)) extra.add(i.namespace);
await pool(namespaceItems, concurrency, create);
await pool([...extra], concurrency, async (name) => {
  try {
    await client.text({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
    bump('namespaces', 'created');
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    bump('namespaces', 'exists');
  }
});

const crds = byResource.get(CRD_RESOURCE) ?? [];
byResource.delete(CRD_RESOURCE);
const before = counts.created;
await pool(crds, concurrency, create);
if (counts.created > before) {
  await pool(crds, concurrency, (c) => waitEstablished(parseItem(c.data, c.path).metadata.name));
}

const rest: RawItem[] = [];
for (const { groupResource } of orderBackupResources([...byResource.keys()], [])) {
  rest.push(...(byResource.get(groupResource) ?? []));
  byResource.delete(groupResource);
}
await pool(rest, concurrency, async (item) => {
  await create(item);
  item.data = Buffer.alloc(0); // done with it: let the bytes go
});
const createMs = performance.now() - createStarted;
client.close();

process.stdout.write(
  `${JSON.stringify({
    items,
    ...counts,
    readMs: Math.round(readMs),
    createMs: Math.round(createMs),
    byResource: perResource,
    errors,
  })}\n`,
);
