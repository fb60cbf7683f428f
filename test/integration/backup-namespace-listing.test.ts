import { gunzipSync } from 'node:zlib';
import { beforeAll, afterAll, describe, expect, inject, it } from 'vitest';
import { BackupArchiveWriter } from '../../src/archive/index.ts';
import { builtinBackupActions } from '../../src/actions/index.ts';
import { BackupScope, collectBackupItems, MainListing } from '../../src/backup/index.ts';
import { type ApiResource, discoverResources, KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { parseLabelSelector } from '../../src/selection/index.ts';
import { clients, eventually, uniqueName } from '../helpers/kube.ts';

const env = inject('harness');
const kubeconfig = env.clusters['source']!.kubeconfig;
const { core } = clients(kubeconfig);
const client = new KubeClient(loadKubeConfig({ kubeconfig }));

// `<base>` and `<base>-a`: a cluster-wide LIST gives `<base>-a`'s items first ('-' sorts before '/').
const base = uniqueName('nsl');
const selected = [base, `${base}-a`, `${base}-b`];
const other = `${base}-z`;
const FIXED = new Date('2026-01-02T03:04:05Z');

async function seed(ns: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  for (let i = 0; i < 6; i++) {
    const labels = { tier: i % 2 ? 'web' : 'db' };
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: `cm-${i}`, labels }, data: { v: `${ns}-${i}` } },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: `s-${i}`, labels }, stringData: { p: `x${i}` } },
    });
  }
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'runner' } } });
  await core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'web' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
  });
  // What controllers add on their own, present before either listing runs.
  await eventually(`default ServiceAccount in ${ns}`, () =>
    core.readNamespacedServiceAccount({ namespace: ns, name: 'default' }),
  );
  await eventually(`kube-root-ca.crt in ${ns}`, () =>
    core.readNamespacedConfigMap({ namespace: ns, name: 'kube-root-ca.crt' }),
  );
}

let served: readonly ApiResource[];

beforeAll(async () => {
  await Promise.all([...selected, other].map(seed));
  served = (await discoverResources(client)).resources;
});

afterAll(async () => {
  await Promise.all(
    [...selected, other].map((name) => core.deleteNamespace({ name }).catch(() => undefined)),
  );
});

/** The archive (uncompressed tar, fixed mtimes) and outcome of a collection with the given listing. */
async function collect(
  includedNamespaces: string[],
  namespacedListing: 'cluster' | 'per-namespace' | undefined,
  selector?: string,
) {
  const scope = new BackupScope(
    {
      includedNamespaces,
      excludedNamespaces: [],
      includedResources: [],
      excludedResources: [],
      includeClusterResources: undefined,
    },
    served,
  );
  const labelSelector = selector === undefined ? undefined : parseLabelSelector(selector);
  const writer = new BackupArchiveWriter({ now: () => FIXED });
  const chunks: Buffer[] = [];
  writer.output.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => writer.output.on('end', resolve));
  await writer.writeVersion();
  const outcome = await collectBackupItems({
    client,
    served,
    scope,
    listing: new MainListing(scope, served, labelSelector),
    labelSelector,
    actions: builtinBackupActions,
    sink: writer,
    logger: silentLogger(),
    pageSize: 50, // several pages per LIST
    ...(namespacedListing === undefined ? {} : { namespacedListing }),
  });
  await writer.finish();
  await ended;
  return { tar: gunzipSync(Buffer.concat(chunks)), outcome };
}

describe('listing a namespace selection: one cluster-wide LIST or one per namespace', () => {
  it.each([
    ['explicit namespaces', () => selected, undefined, () => selected],
    ['a glob', () => [`${base}*`], undefined, () => [...selected, other]],
    ['explicit namespaces and a label selector', () => selected, 'tier=web', () => selected],
  ])('stores the same archive either way: %s', async (_what, namespaces, selector, expected) => {
    const cluster = await collect(namespaces(), 'cluster', selector);
    const perNamespace = await collect(namespaces(), 'per-namespace', selector);
    expect(perNamespace.outcome.results.errorCount).toBe(0);
    expect(cluster.outcome.results.errorCount).toBe(0);
    expect(perNamespace.outcome.itemsBackedUp).toBe(cluster.outcome.itemsBackedUp);
    expect(perNamespace.outcome.resourceList).toEqual(cluster.outcome.resourceList);
    expect(perNamespace.tar.equals(cluster.tar)).toBe(true);
    // Real content, and only the selection's: 6 ConfigMaps and kube-root-ca.crt per namespace (3 with tier=web).
    const configMaps = cluster.outcome.resourceList['v1/ConfigMap'] ?? [];
    expect(configMaps.length).toBe(expected().length * (selector === undefined ? 7 : 3));
    expect(configMaps.every((e) => expected().includes(e.split('/')[0]!))).toBe(true);
  });

  it('stores the same archive when the listing is chosen by the share of namespaces (its first type asked for early)', async () => {
    // Three namespaces of the harness's cluster: per namespace unless it has fewer than 30.
    const chosen = await collect(selected, undefined);
    const cluster = await collect(selected, 'cluster');
    expect(chosen.outcome.results.errorCount).toBe(0);
    expect(chosen.outcome.itemsBackedUp).toBe(cluster.outcome.itemsBackedUp);
    expect(chosen.tar.equals(cluster.tar)).toBe(true);
  });
});

/** The entries of an uncompressed tar (ustar: name, prefix, size), by path. */
function tarEntries(tar: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  const text = (at: number, length: number) => tar.toString('utf8', at, at + length).replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length;) {
    const name = text(at, 100);
    if (name === '') break;
    const prefix = text(at + 345, 155);
    const size = parseInt(text(at + 124, 12).trim() || '0', 8);
    entries.set(prefix === '' ? name : `${prefix}/${name}`, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

describe('items that pass through item actions unchanged', () => {
  it('are stored with the bytes a whole-cluster backup stores for them', async () => {
    // A selection runs the ServiceAccount action on each ServiceAccount (its bindings are cluster-scoped);
    // a whole-cluster backup lists the bindings anyway and stores the ServiceAccounts as listed.
    const selection = tarEntries((await collect(selected, 'cluster')).tar);
    const whole = tarEntries((await collect([], 'cluster')).tar);
    const accounts = [...selection.keys()].filter((p) => p.includes('/serviceaccounts/namespaces/'));
    expect(accounts.length).toBe(selected.length * 2); // runner and default
    for (const path of accounts) expect(selection.get(path)?.toString()).toBe(whole.get(path)?.toString());
  });
});
