import { describe, expect, it } from 'vitest';
import {
  isAggregatedDiscovery,
  resourcesFromAggregated,
  STALE_GROUP_VERSION_ERROR,
} from './discovery-aggregated.ts';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** `/api` as kube-apiserver 1.34 answers it (trimmed): the core group has no name. */
function coreList(apiVersion = 'apidiscovery.k8s.io/v2') {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: [
      {
        metadata: {},
        versions: [
          {
            version: 'v1',
            resources: [
              {
                resource: 'configmaps',
                responseKind: { group: '', version: '', kind: 'ConfigMap' },
                scope: 'Namespaced',
                singularResource: 'configmap',
                verbs: ALL_VERBS,
                shortNames: ['cm'],
              },
              {
                resource: 'namespaces',
                responseKind: { group: '', version: '', kind: 'Namespace' },
                scope: 'Cluster',
                singularResource: 'namespace',
                verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
                shortNames: ['ns'],
                subresources: [
                  { subresource: 'finalize', responseKind: { kind: 'Namespace' }, verbs: ['update'] },
                  {
                    subresource: 'status',
                    responseKind: { kind: 'Namespace' },
                    verbs: ['get', 'patch', 'update'],
                  },
                ],
              },
            ],
            freshness: 'Current',
          },
        ],
      },
    ],
  };
}

/** `/apis`: a two-version group (a resource only in the older one), a CRD group and a stale aggregated API. */
function groupList(apiVersion = 'apidiscovery.k8s.io/v2') {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: [
      {
        metadata: { name: 'autoscaling', creationTimestamp: null },
        versions: [
          {
            version: 'v2',
            resources: [
              {
                resource: 'horizontalpodautoscalers',
                responseKind: { group: '', version: '', kind: 'HorizontalPodAutoscaler' },
                scope: 'Namespaced',
                singularResource: 'horizontalpodautoscaler',
                verbs: ALL_VERBS,
                shortNames: ['hpa'],
                categories: ['all'],
                subresources: [{ subresource: 'status', verbs: ['get'] }],
              },
            ],
            freshness: 'Current',
          },
          {
            version: 'v1',
            resources: [
              {
                resource: 'horizontalpodautoscalers',
                responseKind: { group: '', version: '', kind: 'HorizontalPodAutoscaler' },
                scope: 'Namespaced',
                singularResource: 'horizontalpodautoscaler',
                verbs: ALL_VERBS,
                shortNames: ['hpa'],
              },
              {
                resource: 'legacythings',
                responseKind: { group: '', version: '', kind: 'LegacyThing' },
                scope: 'Cluster',
                singularResource: '',
                verbs: ['get', 'list'],
              },
            ],
          },
        ],
      },
      {
        metadata: { name: 'bench.lifeboat.io' },
        versions: [
          {
            version: 'v1',
            resources: [
              {
                resource: 'widgets',
                responseKind: { group: 'bench.lifeboat.io', version: 'v1', kind: 'Widget' },
                scope: 'Namespaced',
                singularResource: 'widget',
                verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
                shortNames: ['wdg'],
              },
            ],
            freshness: 'Current',
          },
        ],
      },
      {
        metadata: { name: 'metrics.k8s.io' },
        versions: [{ version: 'v1beta1', freshness: 'Stale' }],
      },
    ],
  };
}

describe('aggregated discovery (apidiscovery.k8s.io)', () => {
  it('recognises v2 and v2beta1 lists, and nothing else', () => {
    expect(isAggregatedDiscovery(coreList())).toBe(true);
    expect(isAggregatedDiscovery(groupList('apidiscovery.k8s.io/v2beta1'))).toBe(true);
    expect(isAggregatedDiscovery({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] })).toBe(false);
    expect(isAggregatedDiscovery({ kind: 'APIVersions', versions: ['v1'] })).toBe(false);
    expect(
      isAggregatedDiscovery({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v3' }),
    ).toBe(false);
    expect(isAggregatedDiscovery(null)).toBe(false);
    expect(isAggregatedDiscovery('APIGroupDiscoveryList')).toBe(false);
  });

  it('reads the core group first, then the groups in order, without subresources', () => {
    const { resources, failedGroups } = resourcesFromAggregated(coreList(), groupList());
    expect(resources.map((r) => `${r.apiVersion} ${r.resource}`)).toEqual([
      'v1 configmaps',
      'v1 namespaces',
      'autoscaling/v2 horizontalpodautoscalers',
      'autoscaling/v1 legacythings',
      'bench.lifeboat.io/v1 widgets',
    ]);
    expect(failedGroups).toEqual([
      { groupVersion: 'metrics.k8s.io/v1beta1', error: STALE_GROUP_VERSION_ERROR },
    ]);
  });

  it('builds each resource as the classic walk does', () => {
    const { resources } = resourcesFromAggregated(coreList(), groupList());
    const byName = new Map(resources.map((r) => [r.groupResource, r]));
    expect(byName.get('namespaces')).toEqual({
      group: '',
      version: 'v1',
      versions: ['v1'],
      resource: 'namespaces',
      singular: 'namespace',
      kind: 'Namespace',
      namespaced: false,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['ns'],
      groupResource: 'namespaces',
      apiVersion: 'v1',
    });
    // Served by both versions: at the preferred one, with both; served only by v1: at v1, and the
    // singular falls back to the kind when the server leaves it empty.
    expect(byName.get('horizontalpodautoscalers.autoscaling')).toMatchObject({
      version: 'v2',
      versions: ['v2', 'v1'],
      apiVersion: 'autoscaling/v2',
      shortNames: ['hpa'],
    });
    expect(byName.get('legacythings.autoscaling')).toMatchObject({
      version: 'v1',
      versions: ['v1'],
      singular: 'legacything',
      namespaced: false,
      shortNames: [],
    });
    expect(byName.get('widgets.bench.lifeboat.io')).toMatchObject({
      group: 'bench.lifeboat.io',
      kind: 'Widget',
      namespaced: true,
      apiVersion: 'bench.lifeboat.io/v1',
    });
  });

  it('reads v2beta1 (Kubernetes 1.26-1.29) alike', () => {
    expect(
      resourcesFromAggregated(
        coreList('apidiscovery.k8s.io/v2beta1'),
        groupList('apidiscovery.k8s.io/v2beta1'),
      ),
    ).toEqual(resourcesFromAggregated(coreList(), groupList()));
  });

  it('treats a stale version as a failed one: its resources come from the next version, if any', () => {
    const groups = groupList();
    groups.items[0]!.versions[0]!.freshness = 'Stale';
    const { resources, failedGroups } = resourcesFromAggregated(coreList(), groups);
    expect(
      resources.filter((r) => r.group === 'autoscaling').map((r) => `${r.apiVersion} ${r.resource}`),
    ).toEqual(['autoscaling/v1 horizontalpodautoscalers', 'autoscaling/v1 legacythings']);
    expect(failedGroups.map((g) => g.groupVersion)).toEqual(['autoscaling/v2', 'metrics.k8s.io/v1beta1']);
  });

  it('skips resource names with a slash, as the classic walk does', () => {
    const core = coreList();
    core.items[0]!.versions[0]!.resources.push({
      ...core.items[0]!.versions[0]!.resources[0]!,
      resource: 'pods/log',
    });
    expect(resourcesFromAggregated(core, groupList()).resources.map((r) => r.resource)).not.toContain(
      'pods/log',
    );
  });

  it('refuses a malformed document with where it is wrong, not what it holds', () => {
    const groups: unknown = {
      ...groupList(),
      items: [
        { metadata: { name: 'x' }, versions: [{ version: 'v1', resources: [{ resource: 's3cr3t' }] }] },
      ],
    };
    expect(() => resourcesFromAggregated(coreList(), groups)).toThrow(
      /aggregated discovery document for \/apis is not valid at items\.0\.versions\.0\.resources\.0\./,
    );
    expect(() => resourcesFromAggregated(coreList(), groups)).not.toThrow(/s3cr3t/);
    const badScope = groupList() as unknown as {
      items: { versions: { resources: { scope: string }[] }[] }[];
    };
    badScope.items[1]!.versions[0]!.resources[0]!.scope = 'Galaxy';
    expect(() => resourcesFromAggregated(coreList(), badScope)).toThrow(/not valid at items\.1\.versions\.0/);
    expect(() => resourcesFromAggregated({ kind: 'APIVersions' }, groupList())).toThrow(
      /for \/api is not valid/,
    );
  });

  it('checks the fields it reads, down to an element of a list, and nothing it does not read', () => {
    const badVerb = groupList() as unknown as {
      items: { versions: { resources: { verbs: unknown[] }[] }[] }[];
    };
    badVerb.items[1]!.versions[0]!.resources[0]!.verbs[2] = 7;
    expect(() => resourcesFromAggregated(coreList(), badVerb)).toThrow(
      /\/apis is not valid at items\.1\.versions\.0\.resources\.0\.verbs\.2: expected a string, found number/,
    );
    const noItems = { ...coreList(), items: undefined };
    expect(() => resourcesFromAggregated(noItems, groupList())).toThrow(
      /\/api is not valid at items: expected an array, found undefined/,
    );
    // Subresources and categories are never read, so their shape does not matter.
    const odd = groupList() as unknown as {
      items: { versions: { resources: Record<string, unknown>[] }[] }[];
    };
    odd.items[0]!.versions[0]!.resources[0]!['subresources'] = [{ subresource: 42 }];
    odd.items[0]!.versions[0]!.resources[0]!['categories'] = 'all';
    expect(resourcesFromAggregated(coreList(), odd)).toEqual(
      resourcesFromAggregated(coreList(), groupList()),
    );
  });
});
