import { describe, expect, it } from 'vitest';
import type { BackupItemAction } from '../actions/index.ts';
import { type ApiResource, KubeApiError, type KubeClient, type RequestSpec } from '../kube/index.ts';
import { servedResource } from '../kube/testing.ts';
import { silentLogger } from '../log/index.ts';
import type { KubeObject } from '../model/index.ts';
import { collectBackupItems, type ItemSink } from './collector.ts';
import { MainListing } from './main-listing.ts';
import { BackupScope } from './scope.ts';
import { type NamespacedListing, namespacedListing } from './type-lists.ts';

/** An in-memory API server: LIST bodies and GETs served from the objects at each collection path. */
class FakeCluster {
  readonly requests: string[] = [];
  readonly #objects = new Map<string, KubeObject[]>();
  readonly #failing = new Set<string>();

  add(path: string, ...objects: KubeObject[]): this {
    this.#objects.set(path, [...(this.#objects.get(path) ?? []), ...objects]);
    return this;
  }

  failList(path: string): this {
    this.#failing.add(path);
    return this;
  }

  client(): KubeClient {
    const fake = {
      bytes: (spec: RequestSpec) => Promise.resolve(Buffer.from(this.#list(spec))),
      text: (spec: RequestSpec) => Promise.resolve(this.#get(spec)),
      json: (spec: RequestSpec) => Promise.resolve(JSON.parse(this.#list(spec)) as unknown),
    };
    return fake as unknown as KubeClient;
  }

  #list(spec: RequestSpec): string {
    this.requests.push(`LIST ${spec.path}`);
    if (this.#failing.has(spec.path)) {
      throw new KubeApiError('FORBIDDEN', `GET ${spec.path}: forbidden`, 403, 'Forbidden');
    }
    return JSON.stringify({ kind: 'List', metadata: {}, items: this.#itemsAt(spec.path) });
  }

  /** A collection's objects; a cluster-wide one also has those added at its namespaces' paths. */
  #itemsAt(path: string): KubeObject[] {
    const slash = path.lastIndexOf('/');
    const [prefix, resource] = [path.slice(0, slash), path.slice(slash + 1)];
    const inNamespaces = [...this.#objects]
      .filter(([p]) => p.startsWith(`${prefix}/namespaces/`) && p.endsWith(`/${resource}`))
      .filter(([p]) => p.slice(`${prefix}/namespaces/`.length, -resource.length - 1).indexOf('/') < 0)
      .flatMap(([, objects]) => objects)
      .sort((a, b) => (serverKey(a) < serverKey(b) ? -1 : 1));
    return [...(this.#objects.get(path) ?? []), ...inNamespaces];
  }

  #get(spec: RequestSpec): string {
    this.requests.push(`GET ${spec.path}`);
    const slash = spec.path.lastIndexOf('/');
    const name = decodeURIComponent(spec.path.slice(slash + 1));
    const found = this.#objects.get(spec.path.slice(0, slash))?.find((o) => o.metadata.name === name);
    if (found === undefined) throw new KubeApiError('NOT_FOUND', `${spec.path} not found`, 404, 'NotFound');
    return JSON.stringify(found);
  }
}

/** Where etcd keeps an object, the order of a cluster-wide LIST. */
function serverKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

interface Stored {
  groupResource: string;
  namespace: string | undefined;
  name: string;
  json: string;
}

/** An item sink that keeps what it is given, in order. */
function memorySink(): ItemSink & { items: Stored[] } {
  const items: Stored[] = [];
  return {
    items,
    addItem(item) {
      const json = typeof item.json === 'string' || Buffer.isBuffer(item.json) ? item.json.toString() : '';
      items.push({ groupResource: item.groupResource, namespace: item.namespace, name: item.name, json });
      return undefined;
    },
  };
}

const namespaces = servedResource('', 'namespaces', 'Namespace', false);
const configMaps = servedResource('', 'configmaps', 'ConfigMap', true);
const secrets = servedResource('', 'secrets', 'Secret', true);
const pvcs = servedResource('', 'persistentvolumeclaims', 'PersistentVolumeClaim', true);
const pvs = servedResource('', 'persistentvolumes', 'PersistentVolume', false);

function obj(name: string, namespace?: string, metadata: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Object',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }), ...metadata },
  };
}

async function collect(
  cluster: FakeCluster,
  served: ApiResource[],
  includedNamespaces: string[] = [],
  actions: BackupItemAction[] = [],
  namespacedListing?: NamespacedListing,
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
  const sink = memorySink();
  const outcome = await collectBackupItems({
    client: cluster.client(),
    served,
    scope,
    listing: new MainListing(scope, served, undefined),
    labelSelector: undefined,
    actions,
    sink,
    logger: silentLogger(),
    ...(namespacedListing === undefined ? {} : { namespacedListing }),
  });
  return {
    outcome,
    stored: sink.items.map((i) => `${i.groupResource} ${i.namespace ?? '-'}/${i.name}`),
    sink,
  };
}

describe('collectBackupItems', () => {
  it('stores the listed items in Velero’s order (PVCs first, then as served), then the namespaces', async () => {
    const cluster = new FakeCluster()
      .add('/api/v1/namespaces', obj('app'))
      .add('/api/v1/configmaps', obj('c2', 'app'), obj('c1', 'app'))
      .add('/api/v1/secrets', obj('s1', 'app'))
      .add('/api/v1/persistentvolumeclaims', obj('data', 'app'));
    const { outcome, stored } = await collect(cluster, [namespaces, secrets, configMaps, pvcs]);
    expect(stored).toEqual([
      'persistentvolumeclaims app/data',
      'secrets app/s1',
      'configmaps app/c2',
      'configmaps app/c1',
      'namespaces -/app',
    ]);
    expect(outcome.itemsBackedUp).toBe(5);
    expect(outcome.counts).toEqual({ persistentvolumeclaims: 1, configmaps: 2, secrets: 1, namespaces: 1 });
    expect(outcome.resourceList).toEqual({
      'v1/ConfigMap': ['app/c1', 'app/c2'],
      'v1/Namespace': ['app'],
      'v1/PersistentVolumeClaim': ['app/data'],
      'v1/Secret': ['app/s1'],
    });
    expect(outcome.results.errorCount).toBe(0);
  });

  it('skips items labelled velero.io/exclude-from-backup=true and items being deleted', async () => {
    const cluster = new FakeCluster()
      .add('/api/v1/namespaces', obj('app'))
      .add(
        '/api/v1/configmaps',
        obj('kept', 'app'),
        obj('excluded', 'app', { labels: { 'velero.io/exclude-from-backup': 'true' } }),
        obj('not-excluded', 'app', { labels: { 'velero.io/exclude-from-backup': 'false' } }),
        obj('deleting', 'app', { deletionTimestamp: '2026-01-01T00:00:00Z' }),
      );
    const { outcome, stored } = await collect(cluster, [namespaces, configMaps]);
    expect(stored).toEqual(['configmaps app/kept', 'configmaps app/not-excluded', 'namespaces -/app']);
    expect(outcome.resourceList['v1/ConfigMap']).toEqual(['app/kept', 'app/not-excluded']);
  });

  it('records a type that cannot be listed as an error and goes on with the others', async () => {
    const cluster = new FakeCluster()
      .add('/api/v1/namespaces', obj('app'))
      .add('/api/v1/configmaps', obj('c1', 'app'))
      .failList('/api/v1/secrets');
    const { outcome, stored } = await collect(cluster, [namespaces, secrets, configMaps]);
    expect(outcome.fatal).toBeUndefined();
    expect(stored).toEqual(['configmaps app/c1', 'namespaces -/app']);
    expect(outcome.results.errorCount).toBe(1);
    const errors = JSON.stringify(outcome.results.toFile().errors);
    expect(errors).toContain('secrets');
    expect(errors).toContain('Error listing items');
  });

  it('stores an additional item of an item action once, before the items that pull it in', async () => {
    const claim = (name: string) => ({ ...obj(name, 'app'), spec: { volumeName: 'pv-shared' } });
    const cluster = new FakeCluster()
      .add('/api/v1/namespaces', obj('app'), obj('other'))
      .add('/api/v1/namespaces/app/persistentvolumeclaims', claim('data-a'), claim('data-b'))
      .add('/api/v1/persistentvolumes', obj('pv-shared'));
    const pvcAction: BackupItemAction = {
      name: 'test/pvc',
      appliesTo: ['persistentvolumeclaims'],
      pullsIn: ['persistentvolumes'],
      changesItem: false,
      execute: (item) => {
        const volume = (item['spec'] as { volumeName: string }).volumeName;
        return Promise.resolve({
          item,
          additionalItems: [{ groupResource: 'persistentvolumes', name: volume }],
        });
      },
    };
    // Only the namespace app: persistent volumes are not listed, so the action's items are fetched.
    const { outcome, stored } = await collect(cluster, [namespaces, pvcs, pvs], ['app'], [pvcAction]);
    expect(stored).toEqual([
      'persistentvolumes -/pv-shared',
      'persistentvolumeclaims app/data-a',
      'persistentvolumeclaims app/data-b',
      'namespaces -/app',
    ]);
    expect(cluster.requests.filter((r) => r.startsWith('GET'))).toEqual([
      'GET /api/v1/persistentvolumes/pv-shared',
    ]);
    expect(outcome.resourceList['v1/PersistentVolume']).toEqual(['pv-shared']);
  });

  it('starts the LIST of a cluster-scoped type an action looks up before the first item needs it', async () => {
    const clusterRoles = servedResource('rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false);
    const cluster = new FakeCluster()
      .add('/api/v1/namespaces', obj('app'))
      .add('/api/v1/namespaces/app/configmaps', obj('c1', 'app'))
      .add('/apis/rbac.authorization.k8s.io/v1/clusterroles', obj('reader'));
    let seenAtFirstItem: string[] | undefined;
    const roleAction: BackupItemAction = {
      name: 'test/role',
      appliesTo: ['configmaps'],
      pullsIn: ['clusterroles.rbac.authorization.k8s.io'],
      changesItem: false,
      execute: (item) => {
        seenAtFirstItem ??= [...cluster.requests];
        return Promise.resolve({
          item,
          additionalItems: [{ groupResource: 'clusterroles.rbac.authorization.k8s.io', name: 'reader' }],
        });
      },
    };
    const { stored } = await collect(cluster, [namespaces, configMaps, clusterRoles], ['app'], [roleAction]);
    expect(seenAtFirstItem).toContain('LIST /apis/rbac.authorization.k8s.io/v1/clusterroles');
    expect(stored).toEqual([
      'clusterroles.rbac.authorization.k8s.io -/reader',
      'configmaps app/c1',
      'namespaces -/app',
    ]);
    // Listed once, for the prefetch and the lookup together.
    expect(cluster.requests.filter((r) => r.includes('clusterroles'))).toEqual([
      'LIST /apis/rbac.authorization.k8s.io/v1/clusterroles',
    ]);
  });

  it('lists a namespace selection in one cluster-wide LIST or one per namespace, storing the same items', async () => {
    const cluster = () =>
      new FakeCluster()
        .add('/api/v1/namespaces', obj('app'), obj('app-dev'), obj('other'))
        .add('/api/v1/namespaces/app/configmaps', obj('c1', 'app'))
        .add('/api/v1/namespaces/app-dev/configmaps', obj('c2', 'app-dev'))
        .add('/api/v1/namespaces/other/configmaps', obj('c3', 'other'));
    const wide = cluster();
    const perNamespace = cluster();
    const viaCluster = await collect(wide, [namespaces, configMaps], ['app', 'app-dev'], [], 'cluster');
    const viaNamespaces = await collect(
      perNamespace,
      [namespaces, configMaps],
      ['app*'],
      [],
      'per-namespace',
    );
    // The server orders a cluster-wide LIST by "<namespace>/<name>": app-dev/ before app/.
    expect(perNamespace.requests.filter((r) => r.includes('configmaps'))).toEqual([
      'LIST /api/v1/namespaces/app-dev/configmaps',
      'LIST /api/v1/namespaces/app/configmaps',
    ]);
    expect(wide.requests.filter((r) => r.includes('configmaps'))).toEqual(['LIST /api/v1/configmaps']);
    expect(viaNamespaces.stored).toEqual([
      'configmaps app-dev/c2',
      'configmaps app/c1',
      'namespaces -/app',
      'namespaces -/app-dev',
    ]);
    expect(viaCluster.stored).toEqual(viaNamespaces.stored);
    expect(viaCluster.outcome.resourceList).toEqual(viaNamespaces.outcome.resourceList);
  });
});

describe('a watch with several mentions texts', () => {
  it('sees each listed item containing any of them, once, and parses none of the others', async () => {
    const labelled = (name: string, label: string) => obj(name, 'app', { labels: { [label]: 'yes' } });
    const cluster = new FakeCluster()
      .add('/api/v1/namespaces', obj('app'))
      .add(
        '/api/v1/namespaces/app/configmaps',
        labelled('a', 'alpha'),
        labelled('b', 'beta'),
        obj('both', 'app', { labels: { alpha: 'yes', beta: 'yes' } }),
        labelled('c', 'gamma'),
      );
    const scope = new BackupScope(
      {
        includedNamespaces: [],
        excludedNamespaces: [],
        includedResources: [],
        excludedResources: [],
        includeClusterResources: undefined,
      },
      [namespaces, configMaps],
    );
    const seen: string[] = [];
    await collectBackupItems({
      client: cluster.client(),
      served: [namespaces, configMaps],
      scope,
      listing: new MainListing(scope, [namespaces, configMaps], undefined),
      labelSelector: undefined,
      actions: [],
      sink: memorySink(),
      logger: silentLogger(),
      watches: [
        {
          groupResource: 'configmaps',
          mentions: ['"alpha"', '"beta"'],
          see: (item) => seen.push(item.metadata.name),
        },
      ],
    });
    expect(seen).toEqual(['a', 'b', 'both']);
  });
});

describe('the first type of a namespace selection', () => {
  /** `app` and `app-dev` of 11 namespaces, a ConfigMap in each. */
  const cluster = () => {
    const fake = new FakeCluster().add('/api/v1/namespaces', obj('app'), obj('app-dev'));
    for (let i = 0; i < 9; i++) fake.add('/api/v1/namespaces', obj(`other-${i}`));
    for (const ns of ['app', 'app-dev', 'other-0'])
      fake.add(`/api/v1/namespaces/${ns}/configmaps`, obj(`c-${ns}`, ns));
    return fake;
  };
  const configMapLists = (fake: FakeCluster) => fake.requests.filter((r) => r.includes('configmaps'));

  it('is asked for across the cluster while the namespaces are listed, and taken when the selection is large', async () => {
    const fake = cluster();
    const { stored } = await collect(fake, [namespaces, configMaps], ['app', 'app-dev']);
    expect(fake.requests.slice(0, 2)).toEqual(['LIST /api/v1/configmaps', 'LIST /api/v1/namespaces']);
    expect(configMapLists(fake)).toEqual(['LIST /api/v1/configmaps']);
    expect(stored).toEqual([
      'configmaps app-dev/c-app-dev',
      'configmaps app/c-app',
      'namespaces -/app',
      'namespaces -/app-dev',
    ]);
  });

  it('is listed per namespace when the selection is a tenth of the namespaces or less, storing the same items', async () => {
    const fake = cluster();
    const { stored } = await collect(fake, [namespaces, configMaps], ['app']);
    // The early LIST across the cluster is left unread.
    expect(configMapLists(fake)).toEqual([
      'LIST /api/v1/configmaps',
      'LIST /api/v1/namespaces/app/configmaps',
    ]);
    expect(stored).toEqual(['configmaps app/c-app', 'namespaces -/app']);
    const forced = await collect(cluster(), [namespaces, configMaps], ['app'], [], 'cluster');
    expect(forced.stored).toEqual(stored);
  });

  it('is not asked for across the cluster when per-namespace listing is forced', async () => {
    const fake = cluster();
    await collect(fake, [namespaces, configMaps], ['app', 'app-dev'], [], 'per-namespace');
    expect(configMapLists(fake)).toEqual([
      'LIST /api/v1/namespaces/app-dev/configmaps',
      'LIST /api/v1/namespaces/app/configmaps',
    ]);
  });
});

describe('a cluster-wide LIST for a namespace selection that fails', () => {
  const cluster = () =>
    new FakeCluster()
      .add('/api/v1/namespaces', obj('app'), obj('web'), obj('other'))
      .add('/api/v1/namespaces/app/configmaps', obj('c1', 'app'))
      .add('/api/v1/namespaces/web/configmaps', obj('c2', 'web'))
      .failList('/api/v1/configmaps');

  it('is made again per namespace (e.g. forbidden across the cluster, allowed in the namespaces)', async () => {
    const fake = cluster();
    const { outcome, stored } = await collect(fake, [namespaces, configMaps], ['app', 'web'], [], 'cluster');
    expect(outcome.results.errorCount).toBe(0);
    expect(stored).toEqual([
      'configmaps app/c1',
      'configmaps web/c2',
      'namespaces -/app',
      'namespaces -/web',
    ]);
    expect(fake.requests.filter((r) => r.includes('configmaps'))).toEqual([
      'LIST /api/v1/configmaps',
      'LIST /api/v1/namespaces/app/configmaps',
      'LIST /api/v1/namespaces/web/configmaps',
    ]);
  });

  it('records the failure of each namespace that cannot be listed either', async () => {
    const fake = cluster().failList('/api/v1/namespaces/web/configmaps');
    const { outcome, stored } = await collect(fake, [namespaces, configMaps], ['app', 'web'], [], 'cluster');
    expect(stored).toEqual(['configmaps app/c1', 'namespaces -/app', 'namespaces -/web']);
    expect(outcome.results.errorCount).toBe(1);
    expect(JSON.stringify(outcome.results.toFile().errors)).toContain('"web"');
  });
});

describe('namespacedListing: per namespace for at most a tenth of the namespaces', () => {
  it('chooses by the share of the cluster the selection is', () => {
    expect(namespacedListing(0, 3)).toBe('per-namespace');
    expect(namespacedListing(1, 76)).toBe('per-namespace');
    expect(namespacedListing(7, 76)).toBe('per-namespace');
    expect(namespacedListing(8, 76)).toBe('cluster');
    expect(namespacedListing(1, 5)).toBe('cluster');
    expect(namespacedListing(100, 1000)).toBe('per-namespace');
    expect(namespacedListing(101, 1000)).toBe('cluster');
  });
});
