import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { KubeApiError, KubeClient } from '../../src/kube/client.ts';
import {
  type ApiResource,
  discoverResources,
  discoverResourcesClassic,
  type DiscoveredResources,
} from '../../src/kube/discovery.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { eventually, uniqueName } from '../helpers/kube.ts';

const env = inject('harness');

/** A CRD group of this file only, served in two versions (v1 preferred), so other files' CRDs do not matter. */
const group = `${uniqueName('disc')}.lifeboat.io`;
const crdName = `gadgets.${group}`;
const schema = {
  openAPIV3Schema: {
    type: 'object',
    properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
  },
};
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: crdName },
  spec: {
    group,
    scope: 'Namespaced',
    names: {
      plural: 'gadgets',
      singular: 'gadget',
      kind: 'Gadget',
      listKind: 'GadgetList',
      shortNames: ['gdg'],
    },
    versions: [
      { name: 'v1beta1', served: true, storage: false, schema },
      { name: 'v1', served: true, storage: true, schema },
    ],
  },
};

/** The resources of each group (sorted by name), by group (sorted), the core group first. */
function byGroup(d: DiscoveredResources): [string, ApiResource[]][] {
  const groups = new Map<string, ApiResource[]>();
  for (const r of d.resources) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  for (const list of groups.values()) list.sort((a, b) => (a.resource < b.resource ? -1 : 1));
  const [first] = d.resources;
  return [...groups.entries()].sort(([a], [b]) =>
    a === first?.group ? -1 : b === first?.group ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
}

const client = new KubeClient(loadKubeConfig({ kubeconfig: env.clusters['source']!.kubeconfig }));

beforeAll(async () => {
  await client.text({
    method: 'POST',
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    body: crd,
  });
});

afterAll(async () => {
  try {
    await client.text({
      method: 'DELETE',
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`,
    });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
  }
  client.close();
});

describe('discovery on a real API server', () => {
  it('finds the same resources, in the same order within each group, by aggregated discovery as by the classic walk', async () => {
    // Other files create and delete CRDs on the same server meanwhile: compare two back-to-back
    // discoveries until they agree and both serve this file's CRD in both its versions. The server
    // itself orders CRD-served groups and resources differently in its two documents: groups of
    // equal priority in classic /apis by APIService name (`<version>.<group>`), in aggregated /apis
    // by group name; a group's CRDs in the classic walk not by name — so groups and their resources
    // are compared as sets, and the built-in groups (core first) in order.
    const both = await eventually(
      'aggregated and classic discovery agree, with the CRD',
      async (): Promise<{ aggregated: DiscoveredResources; classic: DiscoveredResources } | undefined> => {
        const aggregated = await discoverResources(client);
        const classic = await discoverResourcesClassic(client);
        const served = (d: DiscoveredResources) =>
          d.resources.some((r) => r.group === group && r.versions.length === 2);
        return served(aggregated) &&
          served(classic) &&
          isDeepStrictEqual(byGroup(aggregated), byGroup(classic))
          ? { aggregated, classic }
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(byGroup(both.aggregated)).toEqual(byGroup(both.classic));
    expect(both.aggregated.resources).toHaveLength(both.classic.resources.length);
    const crds = await client.json<{ items: { spec: { group: string } }[] }>({
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    });
    const crdGroups = new Set(crds.items.map((c) => c.spec.group));
    const builtIn = (d: DiscoveredResources) => d.resources.filter((r) => !crdGroups.has(r.group));
    expect(builtIn(both.aggregated)).toEqual(builtIn(both.classic));
    expect(both.aggregated.failedGroups).toEqual([]);
    const resources = both.aggregated.resources;
    // The shape of what both paths found, beyond their agreeing: core group first, no subresources,
    // the CRD at its preferred version with both versions.
    expect(resources[0]?.group).toBe('');
    expect(resources.some((r) => r.resource.includes('/'))).toBe(false);
    expect(resources.find((r) => r.groupResource === 'deployments.apps')).toMatchObject({
      kind: 'Deployment',
      namespaced: true,
      apiVersion: 'apps/v1',
    });
    expect(resources.find((r) => r.groupResource === 'namespaces')).toMatchObject({
      namespaced: false,
      shortNames: ['ns'],
    });
    expect(resources.find((r) => r.group === group)).toEqual({
      group,
      version: 'v1',
      versions: ['v1', 'v1beta1'],
      resource: 'gadgets',
      singular: 'gadget',
      kind: 'Gadget',
      namespaced: true,
      verbs: expect.arrayContaining(['create', 'get', 'list', 'watch']) as string[],
      shortNames: ['gdg'],
      groupResource: crdName,
      apiVersion: `${group}/v1`,
    });
  });

  it('asks this API server two questions, /api and /apis, not one per group version', async () => {
    const json = vi.spyOn(client, 'json');
    try {
      await discoverResources(client);
      expect(json.mock.calls.map(([spec]) => spec.path).sort()).toEqual(['/api', '/apis']);
    } finally {
      json.mockRestore();
    }
  });
});
