import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ArchiveCatalog,
  MAX_ITEM_DEPTH,
  nestingExceeds,
  parseArchivePath,
  parseItem,
} from '../../archive/index.ts';
import type { ApiResource } from '../../kube/index.ts';
import { servedResource } from '../../kube/testing.ts';
import { veleroItems } from '../../../test/fixtures/velero/velero-archive.ts';
import { NO_VOLUME_EVIDENCE } from '../apply/index.ts';
import { buildRestorePlan, type NameFilter, type PlannedItem } from '../plan/index.ts';
import { prepareContext } from '../testing.ts';
import { type BackupArchive, inventory, pvsToProvision } from './inventory.ts';

function extracted(files: Record<string, string>): BackupArchive {
  const catalog = new ArchiveCatalog();
  for (const path of Object.keys(files)) catalog.add({ path, parsed: parseArchivePath(path) });
  return {
    catalog,
    volumes: NO_VOLUME_EVIDENCE,
    readItem: async (path) => Promise.resolve().then(() => parseItem(Buffer.from(files[path] ?? ''), path)),
    itemBytes: (path) => Buffer.byteLength(files[path] ?? ''),
  };
}

const context = prepareContext();

function res(groupResource: string, kind: string, namespaced: boolean): ApiResource {
  const dot = groupResource.indexOf('.');
  const [resource, group] =
    dot === -1 ? [groupResource, ''] : [groupResource.slice(0, dot), groupResource.slice(dot + 1)];
  return servedResource(group, resource, kind, namespaced, { singular: resource, verbs: ['create', 'list'] });
}

const SERVED = [
  res('namespaces', 'Namespace', false),
  res('configmaps', 'ConfigMap', true),
  res('secrets', 'Secret', true),
  res('serviceaccounts', 'ServiceAccount', true),
  res('services', 'Service', true),
  res('pods', 'Pod', true),
  res('persistentvolumes', 'PersistentVolume', false),
  res('deployments.apps', 'Deployment', true),
  res('clusterrolebindings.rbac.authorization.k8s.io', 'ClusterRoleBinding', false),
];

const filter = (only?: string): NameFilter => ({
  shouldInclude: (v) => only === undefined || v === only,
  includesEverything: () => only === undefined,
});

async function plan(files: Record<string, string>, namespace?: string, includeCluster?: boolean) {
  const facts = await inventory(extracted(files), context);
  const p = buildRestorePlan({
    facts,
    request: {
      namespaces: filter(namespace),
      resources: filter(),
      includeClusterResources: includeCluster,
      namespaceMapping: new Map(),
      existingResourcePolicy: 'none',
    },
    target: { served: SERVED },
  });
  const byPath = new Map<string, PlannedItem>();
  for (const step of p.steps) for (const i of step.items) byPath.set(i.path, i);
  return { plan: p, byPath };
}

const cm = (ns: string, name: string, extra = '') =>
  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","namespace":"${ns}"}${extra}}`;
const deep = (levels: number) => `,"data":{"x":"y"},"z":${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('inventory: one bad item is that item’s error, never the whole restore’s', () => {
  const files = {
    'resources/configmaps/namespaces/good/ok.json': cm('good', 'ok'),
    'resources/configmaps/namespaces/other/deep.json': cm('other', 'deep', deep(10_000)),
    'resources/configmaps/namespaces/other/broken.json': '{"apiVersion": "v1", "kind": ',
    'resources/configmaps/namespaces/other/array.json': '[1,2]',
  };

  it('a restore filtered to other namespaces plans as if the bad items were not there', async () => {
    const { plan: p, byPath } = await plan(files, 'good');
    expect(byPath.get('resources/configmaps/namespaces/good/ok.json')?.action).toBe('create');
    expect(byPath.get('resources/configmaps/namespaces/other/deep.json')?.skipCode).toBe('filtered');
    expect(p.findings.filter((f) => f.code === 'item-refused')).toEqual([]);
  });

  it('a restore of everything refuses each bad item, naming its path and why, and keeps the rest', async () => {
    const { plan: p, byPath } = await plan(files);
    expect(byPath.get('resources/configmaps/namespaces/good/ok.json')?.action).toBe('create');
    const reason = (path: string) => {
      const item = byPath.get(path);
      expect(item?.skipCode).toBe('refused');
      return item?.reason;
    };
    expect(reason('resources/configmaps/namespaces/other/deep.json')).toBe(
      `backup item "resources/configmaps/namespaces/other/deep.json" is nested more than ${MAX_ITEM_DEPTH} levels deep`,
    );
    expect(reason('resources/configmaps/namespaces/other/broken.json')).toMatch(
      /broken\.json" is not valid JSON/,
    );
    expect(reason('resources/configmaps/namespaces/other/array.json')).toMatch(
      /array\.json" is not a JSON object/,
    );
    const finding = p.findings.find((f) => f.code === 'item-refused');
    expect(finding).toMatchObject({ severity: 'error', items: 3 });
    expect(finding?.objects).toHaveLength(3);
  });

  it('an unreadable PV does not stop the volume decisions', async () => {
    const pvs = extracted({
      'resources/persistentvolumes/cluster/pv.json': `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv"}${deep(10_000)}}`,
    });
    await expect(pvsToProvision(pvs)).resolves.toEqual(new Set());
  });
});

describe('an item must match its directory', () => {
  const crb = (ns?: string) =>
    JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'x', ...(ns ? { namespace: ns } : {}) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'app' }],
    });

  it('a ClusterRoleBinding under a namespace directory is refused by a namespace-filtered restore', async () => {
    const path = 'resources/clusterrolebindings.rbac.authorization.k8s.io/namespaces/app/x.json';
    const { byPath, plan: p } = await plan(
      { [path]: crb('app'), 'resources/configmaps/namespaces/app/c.json': cm('app', 'c') },
      'app',
    );
    expect(byPath.get(path)).toMatchObject({
      action: 'skip',
      skipCode: 'refused',
      reason: `backup item "${path}" is under a namespace directory, but clusterrolebindings.rbac.authorization.k8s.io is cluster-scoped (per the target)`,
    });
    expect(byPath.get('resources/configmaps/namespaces/app/c.json')?.action).toBe('create');
    expect(p.findings.map((f) => f.code)).toContain('item-refused');
  });

  const refusals: [string, string, string, RegExp][] = [
    [
      'kind',
      'resources/configmaps/namespaces/app/c.json',
      '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"c","namespace":"app"}}',
      /holds kind "Secret", but configmaps holds "ConfigMap" objects/,
    ],
    [
      'group',
      'resources/configmaps/namespaces/app/c.json',
      '{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"app"}}',
      /API group "apps"\), but its directory configmaps is of API group ""/,
    ],
    [
      'group (core item in a group dir)',
      'resources/deployments.apps/namespaces/app/d.json',
      '{"apiVersion":"v1","kind":"Deployment","metadata":{"name":"d","namespace":"app"}}',
      /API group ""\), but its directory deployments.apps is of API group "apps"/,
    ],
    [
      'namespace',
      'resources/configmaps/namespaces/app/c.json',
      cm('kube-system', 'c'),
      /namespace directory "app" but holds an object of namespace "kube-system"/,
    ],
    [
      'name',
      'resources/configmaps/namespaces/app/c.json',
      cm('app', 'd'),
      /holds an object named "d", not "c"/,
    ],
    [
      'name (a relative URL path)',
      'resources/configmaps/namespaces/app/...json',
      cm('app', '..'),
      /is named "\.\.", which is no object's name/,
    ],
    [
      'scope (namespaced at a cluster path)',
      'resources/configmaps/cluster/c.json',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}',
      /is under a cluster-scoped path, but configmaps is namespaced/,
    ],
    [
      'scope (namespace object in a namespace dir)',
      'resources/namespaces/namespaces/app/app.json',
      '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"app","namespace":"app"}}',
      /namespaces is cluster-scoped/,
    ],
  ];
  it.each(refusals)('refuses a %s disagreement', async (_what, path, body, reason) => {
    const { byPath } = await plan({ [path]: body }, undefined, true);
    expect(byPath.get(path)?.skipCode).toBe('refused');
    expect(byPath.get(path)?.reason).toMatch(reason);
    expect(byPath.get(path)?.reason).toContain(path);
  });

  it('refuses a version the archive’s version directories do not have', async () => {
    const { byPath } = await plan({
      'resources/configmaps/namespaces/app/c.json':
        '{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"c","namespace":"app"}}',
      'resources/configmaps/v1-preferredversion/namespaces/app/c.json': cm('app', 'c'),
    });
    expect(byPath.get('resources/configmaps/namespaces/app/c.json')?.reason).toMatch(
      /holds version "v2", but the archive has configmaps only in version directories "v1-preferredversion"/,
    );
  });

  it('refuses nothing of a backup Velero wrote (classic paths and preferred-version twins)', async () => {
    const files: Record<string, string> = {};
    for (const e of veleroItems('legacy')) {
      files[e.name] = String(e.body);
      const twin = e.name.replace(/^resources\/([^/]+)\//, 'resources/$1/v1-preferredversion/');
      files[twin] = String(e.body);
    }
    files['resources/clusterrolebindings.rbac.authorization.k8s.io/cluster/x.json'] = crb();
    files['resources/clusterrolebindings.rbac.authorization.k8s.io/v1-preferredversion/cluster/x.json'] =
      crb();
    const { plan: p } = await plan(files, undefined, true);
    const refused = p.steps.flatMap((s) => s.items).filter((i) => i.skipCode === 'refused');
    expect(refused).toEqual([]);
    expect(p.totals.create).toBeGreaterThan(4);
  });
});

describe('dry-run plan: cluster-scoped objects of a namespace-filtered restore are flagged', () => {
  it('lists each one in a warning and marks it', async () => {
    const { plan: p, byPath } = await plan(
      {
        'resources/configmaps/namespaces/app/c.json': cm('app', 'c'),
        'resources/clusterrolebindings.rbac.authorization.k8s.io/cluster/x.json':
          '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"x"}}',
      },
      'app',
      true,
    );
    expect(
      byPath.get('resources/clusterrolebindings.rbac.authorization.k8s.io/cluster/x.json'),
    ).toMatchObject({ action: 'create', clusterScoped: true });
    const finding = p.findings.find((f) => f.code === 'cluster-scoped');
    expect(finding).toMatchObject({
      severity: 'warning',
      items: 1,
      objects: ['clusterrolebindings.rbac.authorization.k8s.io/x'],
    });
  });

  it('says nothing when every namespace is restored', async () => {
    const { plan: p } = await plan({
      'resources/persistentvolumes/cluster/pv.json':
        '{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv"}}',
    });
    expect(p.findings.filter((f) => f.code === 'cluster-scoped')).toEqual([]);
  });
});

describe('nestingExceeds', () => {
  const depthOf = (v: unknown): number =>
    typeof v === 'object' && v !== null
      ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depthOf))
      : 0;
  it('agrees with the depth of the value, brackets inside strings and escapes included', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 8 }),
        fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a') }),
        fc.integer({ min: 0, max: 9 }),
        (value, noise, max) => {
          const wrapped = { s: noise, v: value };
          const text = JSON.stringify(wrapped);
          expect(nestingExceeds(text, max)).toBe(depthOf(wrapped) > max);
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });
  it('scans 10,000 levels without recursion', () => {
    expect(nestingExceeds('['.repeat(10_000) + ']'.repeat(10_000), 9_999)).toBe(true);
    expect(nestingExceeds('['.repeat(10_000) + ']'.repeat(10_000), 10_000)).toBe(false);
  });
});
