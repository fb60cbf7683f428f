import { describe, expect, it } from 'vitest';
import type { ApiResource } from '../../kube/index.ts';
import {
  buildRestorePlan,
  type Existence,
  type ItemFacts,
  type NameFilter,
  type PlanInput,
  type RestorePlanRequest,
} from './plan.ts';
import { DEFAULT_HIGH_PRIORITIES, orderBackupResources } from './priorities.ts';

function res(groupResource: string, namespaced = true, versions = ['v1']): ApiResource {
  const dot = groupResource.indexOf('.');
  const resource = dot === -1 ? groupResource : groupResource.slice(0, dot);
  const group = dot === -1 ? '' : groupResource.slice(dot + 1);
  return {
    group,
    version: versions[0]!,
    versions,
    resource,
    singular: resource.replace(/s$/, ''),
    kind: resource,
    namespaced,
    verbs: ['create', 'list', 'get', 'delete'],
    shortNames: [],
    groupResource,
    apiVersion: group === '' ? versions[0]! : `${group}/${versions[0]!}`,
  };
}

const SERVED = [
  res('namespaces', false),
  res('pods'),
  res('configmaps'),
  res('secrets'),
  res('services'),
  res('serviceaccounts'),
  res('persistentvolumes', false),
  res('persistentvolumeclaims'),
  res('events'),
  res('deployments.apps'),
  res('replicasets.apps'),
  res('storageclasses.storage.k8s.io', false),
  res('customresourcedefinitions.apiextensions.k8s.io', false),
  res('clusterroles.rbac.authorization.k8s.io', false),
  res('roles.rbac.authorization.k8s.io'),
  res('priorityclasses.scheduling.k8s.io', false),
];

/** Exact-match filter (globs are the engine's IncludesExcludes; the plan only asks yes/no). */
function filter(includes: string[] = [], excludes: string[] = []): NameFilter {
  return {
    shouldInclude: (v) => !excludes.includes(v) && (includes.length === 0 || includes.includes(v)),
    includesEverything: () => includes.length === 0 && excludes.length === 0,
  };
}

function fact(
  groupResource: string,
  namespace: string | undefined,
  name: string,
  extra: Partial<ItemFacts> = {},
): ItemFacts {
  const f: ItemFacts = {
    groupResource,
    name,
    path: `resources/${groupResource}/${namespace ? `namespaces/${namespace}` : 'cluster'}/${name}.json`,
    apiVersion: groupResource.includes('.')
      ? `${groupResource.slice(groupResource.indexOf('.') + 1)}/v1`
      : 'v1',
    kind: groupResource.split('.')[0]!, // what res() serves it as
    labels: {},
    additionalItems: [],
    restoreStatus: false,
    ...extra,
  };
  if (namespace !== undefined) f.namespace = namespace;
  return f;
}

function input(
  facts: ItemFacts[],
  request: Partial<RestorePlanRequest> = {},
  target: Partial<PlanInput['target']> = {},
): PlanInput {
  const byResource = new Map<string, ItemFacts[]>();
  for (const f of facts) byResource.set(f.groupResource, [...(byResource.get(f.groupResource) ?? []), f]);
  return {
    facts: byResource,
    request: {
      namespaces: filter(),
      resources: filter(),
      namespaceMapping: new Map(),
      existingResourcePolicy: 'none',
      ...request,
    },
    target: { served: SERVED, ...target },
  };
}

const actionOf = (plan: ReturnType<typeof buildRestorePlan>, gr: string, name: string) =>
  plan.steps.find((s) => s.groupResource === gr)?.items.find((i) => i.name === name);

describe('restore order', () => {
  it('is CRDs, then Velero’s high list in order, then the rest alphabetically, then the low list', () => {
    const backup = [
      'pods',
      'zebras.example.com',
      'clusters.cluster.x-k8s.io',
      'deployments.apps',
      'namespaces',
      'customresourcedefinitions.apiextensions.k8s.io',
      'configmaps',
      'persistentvolumes',
      'persistentvolumeclaims',
      'storageclasses.storage.k8s.io',
      'apples.example.com',
      'services',
      'replicasets.apps',
      'volumesnapshotclasses.snapshot.storage.k8s.io',
    ];
    const order = orderBackupResources(backup, SERVED).map((r) => `${r.tier}:${r.groupResource}`);
    expect(order).toEqual([
      'crds:customresourcedefinitions.apiextensions.k8s.io',
      'high:namespaces',
      'high:storageclasses.storage.k8s.io',
      'high:volumesnapshotclasses.snapshot.storage.k8s.io',
      'high:persistentvolumes',
      'high:persistentvolumeclaims',
      'high:configmaps',
      'high:pods',
      'high:replicasets.apps',
      'high:services',
      'default:apples.example.com',
      'default:deployments.apps',
      'default:zebras.example.com',
      'low:clusters.cluster.x-k8s.io',
    ]);
  });

  it('keeps Velero’s exact high-priority list', () => {
    expect(DEFAULT_HIGH_PRIORITIES.slice(0, 3)).toEqual([
      'customresourcedefinitions',
      'namespaces',
      'storageclasses',
    ]);
    expect(DEFAULT_HIGH_PRIORITIES.indexOf('persistentvolumes')).toBeLessThan(
      DEFAULT_HIGH_PRIORITIES.indexOf('persistentvolumeclaims'),
    );
    expect(DEFAULT_HIGH_PRIORITIES.at(-1)).toBe('services');
    expect(DEFAULT_HIGH_PRIORITIES).toHaveLength(23);
  });
});

describe('buildRestorePlan', () => {
  it('never restores nodes/events, and skips items the facts mark (completed pods, mirror pods)', () => {
    const plan = buildRestorePlan(
      input([
        fact('events', 'app', 'e1'),
        fact('pods', 'app', 'done', {
          skip: { code: 'completed', reason: 'pod has completed (phase Succeeded)' },
        }),
        fact('pods', 'app', 'web'),
      ]),
    );
    expect(actionOf(plan, 'events', 'e1')).toMatchObject({ action: 'skip', skipCode: 'never-restored' });
    expect(actionOf(plan, 'pods', 'done')).toMatchObject({ action: 'skip', skipCode: 'completed' });
    expect(actionOf(plan, 'pods', 'web')).toMatchObject({ action: 'create', targetNamespace: 'app' });
    expect(plan.namespaces).toEqual([{ name: 'app', source: 'app', action: 'create' }]);
  });

  it('filters by namespace, resource and label selector on the backed-up labels', () => {
    const plan = buildRestorePlan(
      input(
        [
          fact('configmaps', 'app', 'a', { labels: { tier: 'web' } }),
          fact('configmaps', 'app', 'b', { labels: { tier: 'db' } }),
          fact('configmaps', 'other', 'c', { labels: { tier: 'web' } }),
          fact('secrets', 'app', 's', { labels: { tier: 'web' } }),
        ],
        {
          namespaces: filter(['app']),
          resources: filter([], ['secrets']),
          labelSelector: (l) => l['tier'] === 'web',
        },
      ),
    );
    expect(actionOf(plan, 'configmaps', 'a')?.action).toBe('create');
    expect(actionOf(plan, 'configmaps', 'b')?.reason).toMatch(/label selector/);
    expect(actionOf(plan, 'configmaps', 'c')?.reason).toMatch(/namespace/);
    expect(actionOf(plan, 'secrets', 's')?.reason).toMatch(/resource filters/);
    expect(plan.totals).toMatchObject({ create: 2, skip: 3 }); // the namespace counts as a create
  });

  it('maps namespaces and restores cluster-scoped items only when asked or pulled in', () => {
    const facts = [
      fact('namespaces', undefined, 'app'),
      fact('persistentvolumes', undefined, 'pv-1'),
      fact('persistentvolumes', undefined, 'pv-unused'),
      fact('persistentvolumeclaims', 'app', 'data', {
        additionalItems: [{ groupResource: 'persistentvolumes', name: 'pv-1' }],
      }),
    ];
    const scoped = buildRestorePlan(
      input(facts, { namespaces: filter(['app']), namespaceMapping: new Map([['app', 'app-copy']]) }),
    );
    expect(actionOf(scoped, 'persistentvolumeclaims', 'data')).toMatchObject({
      action: 'create',
      targetNamespace: 'app-copy',
    });
    expect(actionOf(scoped, 'persistentvolumes', 'pv-1')).toMatchObject({
      action: 'create',
      reason: 'restored with persistentvolumeclaims app/data',
    });
    expect(actionOf(scoped, 'persistentvolumes', 'pv-unused')?.action).toBe('skip');
    expect(scoped.namespaces).toEqual([
      { name: 'app-copy', source: 'app', path: 'resources/namespaces/cluster/app.json', action: 'create' },
    ]);

    const none = buildRestorePlan(
      input(facts, { namespaces: filter(['app']), includeClusterResources: false }),
    );
    expect(actionOf(none, 'persistentvolumes', 'pv-1')?.action).toBe('skip');

    const all = buildRestorePlan(
      input(facts, { namespaces: filter(['app']), includeClusterResources: true }),
    );
    expect(actionOf(all, 'persistentvolumes', 'pv-unused')?.action).toBe('create');
  });

  it('marks existing objects identical or different, and different ones as update with policy update', () => {
    const facts = [
      fact('configmaps', 'app', 'same'),
      fact('configmaps', 'app', 'changed'),
      fact('configmaps', 'app', 'new'),
    ];
    const existing = (i: { name: string }): Existence =>
      i.name === 'same' ? 'identical' : i.name === 'changed' ? 'different' : 'absent';
    const none = buildRestorePlan(input(facts, {}, { existing }));
    expect(none.steps[0]!.items.map((x) => x.action)).toEqual([
      'exists-identical',
      'exists-different',
      'create',
    ]);
    const update = buildRestorePlan(input(facts, { existingResourcePolicy: 'update' }, { existing }));
    expect(actionOf(update, 'configmaps', 'changed')?.action).toBe('update');
  });

  it('restores custom resources whose CRD is in the backup, and skips those nobody serves', () => {
    const crd = fact('customresourcedefinitions.apiextensions.k8s.io', undefined, 'widgets.example.com', {
      crd: {
        groupResource: 'widgets.example.com',
        group: 'example.com',
        kind: 'Widget',
        versions: ['v1'],
        namespaced: true,
      },
    });
    const plan = buildRestorePlan(
      input([
        crd,
        fact('widgets.example.com', 'app', 'w1', { kind: 'Widget' }),
        fact('gadgets.other.io', 'app', 'g1', { apiVersion: 'other.io/v2', kind: 'Gadget' }),
      ]),
    );
    expect(plan.steps[0]).toMatchObject({
      tier: 'crds',
      groupResource: 'customresourcedefinitions.apiextensions.k8s.io',
    });
    expect(actionOf(plan, 'widgets.example.com', 'w1')?.action).toBe('create');
    expect(actionOf(plan, 'gadgets.other.io', 'g1')).toMatchObject({
      action: 'skip',
      skipCode: 'not-served',
    });
    expect(plan.findings).toContainEqual(
      expect.objectContaining({ code: 'api-not-served', severity: 'error', items: 1 }),
    );
  });

  it('brings the CRD of a restored custom resource along, unless cluster resources are excluded', () => {
    const crd = fact('customresourcedefinitions.apiextensions.k8s.io', undefined, 'widgets.example.com', {
      crd: {
        groupResource: 'widgets.example.com',
        group: 'example.com',
        kind: 'Widget',
        versions: ['v1'],
        namespaced: true,
      },
    });
    const facts = [crd, fact('widgets.example.com', 'app', 'w1', { kind: 'Widget' })];
    const scoped = buildRestorePlan(input(facts, { namespaces: filter(['app']) }));
    expect(
      actionOf(scoped, 'customresourcedefinitions.apiextensions.k8s.io', 'widgets.example.com'),
    ).toMatchObject({
      action: 'create',
      reason: 'restored with widgets.example.com app/w1',
    });
    expect(actionOf(scoped, 'widgets.example.com', 'w1')?.action).toBe('create');
    const off = buildRestorePlan(
      input(facts, { namespaces: filter(['app']), includeClusterResources: false }),
    );
    expect(actionOf(off, 'widgets.example.com', 'w1')).toMatchObject({
      action: 'skip',
      skipCode: 'not-served',
    });
  });

  it('reports missing StorageClasses (after mapping), occupied namespaces and webhooks', () => {
    const plan = buildRestorePlan(
      input(
        [fact('persistentvolumeclaims', 'app', 'data', { storageClass: 'fast' }), fact('pods', 'app', 'web')],
        {},
        {
          storageClasses: new Set(['standard']),
          existingNamespaces: new Set(['app']),
          occupiedNamespaces: new Map([['app', 4]]),
          webhooks: [
            {
              configuration: 'policy',
              kind: 'ValidatingWebhookConfiguration',
              webhook: 'pods.policy.io',
              failurePolicy: 'Fail',
              rules: [{ apiGroups: [''], resources: ['pods'] }],
            },
          ],
        },
      ),
    );
    const kinds = plan.findings.map((f) => f.code).sort();
    expect(kinds).toEqual(['admission-webhook', 'namespace-not-empty', 'storage-class-missing']);
    expect(plan.findings.find((f) => f.code === 'storage-class-missing')?.message).toMatch(
      /StorageClass fast/,
    );
    expect(plan.namespaces[0]?.action).toBe('exists');
  });
});
