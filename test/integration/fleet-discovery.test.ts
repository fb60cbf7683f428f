import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClusterRegistry, type FleetConfig } from '../../src/app/clusters/index.ts';
import { KubeApiError, KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { CLUSTER_API_CRD } from '../helpers/fleet-planes.ts';
import { eventually, uniqueName } from '../helpers/kube.ts';

/**
 * Discovery against real control planes: `standby` is the management cluster. It gets a minimal
 * Cluster API CRD, and in a namespace of this file Cluster objects with `<name>-kubeconfig` Secrets
 * for `source` and for `standby` itself, then a labelled Secret; a refresh sees what came and went.
 */
const env = inject('harness');
const managementKubeconfig = env.clusters['standby']!.kubeconfig;
const sourceKubeconfig = env.clusters['source']!.kubeconfig;
const client = new KubeClient(loadKubeConfig({ kubeconfig: managementKubeconfig }));
const namespace = uniqueName('fleet');
const CRD = CLUSTER_API_CRD.metadata.name;
let createdCrd = false;

async function post(path: string, body: unknown): Promise<void> {
  await client.text({ method: 'POST', path, body });
}

async function addCapiCluster(name: string, kubeconfigFile: string): Promise<void> {
  await post(`/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters`, {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    metadata: { name, labels: { env: 'test' } },
    spec: {},
  });
  await post(`/api/v1/namespaces/${namespace}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${name}-kubeconfig` },
    type: 'cluster.x-k8s.io/secret',
    stringData: { value: await readFile(kubeconfigFile, 'utf8') },
  });
}

const config: FleetConfig = {
  clusters: [{ name: 'mgmt', kubeconfig: managementKubeconfig }],
  fleet: {
    managementCluster: 'mgmt',
    discover: { clusterApi: true, secretSelector: 'lifeboat.io/cluster=true', namespaces: [namespace] },
  },
};

beforeAll(async () => {
  try {
    await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CLUSTER_API_CRD);
    createdCrd = true;
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
  }
  await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await eventually('the Cluster API CRD is served', async () => {
    const list = await client.json<{ items?: unknown[] }>({
      path: `/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters`,
      retries: 0,
    });
    return list.items;
  });
  await addCapiCluster('workload-a', sourceKubeconfig);
  await addCapiCluster('mgmt-itself', managementKubeconfig);
});

afterAll(async () => {
  await client.text({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` }).catch(() => undefined);
  if (createdCrd)
    await client
      .text({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD}` })
      .catch(() => undefined);
  client.close();
});

describe('fleet discovery in a management cluster', () => {
  it('finds the Cluster API clusters, merges the management cluster with its own entry, and follows changes', async () => {
    const registry = new ClusterRegistry({ load: () => Promise.resolve(config) });
    const first = await registry.refresh();
    expect(first.problems).toEqual([]);
    expect(first.clusters.map((c) => [c.name, c.source, c.reachable])).toEqual([
      ['mgmt', 'config', true],
      ['workload-a', 'cluster-api', true],
    ]);
    const [mgmt, workload] = first.clusters;
    // The management cluster's own Cluster object is the same cluster as its entry (same identity).
    expect(mgmt?.alsoFrom).toEqual([`cluster-api/${namespace}/mgmt-itself`]);
    expect(workload?.server).toBe(env.clusters['source']!.server);
    expect(workload?.uid).not.toBe(mgmt?.uid);
    expect(workload?.labels['env']).toBe('test');
    expect(workload?.target.kubeconfig).toBeUndefined();

    // A labelled Secret holding a kubeconfig for the same source cluster is that same cluster.
    await post(`/api/v1/namespaces/${namespace}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'edge-kubeconfig', labels: { 'lifeboat.io/cluster': 'true' } },
      stringData: { kubeconfig: await readFile(sourceKubeconfig, 'utf8') },
    });
    const second = await registry.refresh();
    expect(second.added).toEqual([]);
    expect(registry.find('workload-a')?.alsoFrom).toEqual([`secret/${namespace}/edge-kubeconfig`]);

    // The Cluster object goes: the cluster stays, now known by its Secret (same identity: changed).
    await client.text({
      method: 'DELETE',
      path: `/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters/workload-a`,
    });
    const third = await registry.refresh();
    expect(third.removed).toEqual([]);
    expect(third.changed.map((c) => [c.before.name, c.after.name, c.after.source])).toEqual([
      ['workload-a', 'edge', 'secret'],
    ]);

    // The Secret goes too: the cluster is removed from the fleet.
    await client.text({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}/secrets/edge-kubeconfig` });
    const fourth = await registry.refresh();
    expect(fourth.removed.map((c) => c.name)).toEqual(['edge']);
    expect(fourth.clusters.map((c) => c.name)).toEqual(['mgmt']);
  });

  it('reports a Cluster object without a kubeconfig Secret, never failing the refresh', async () => {
    await post(`/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters`, {
      apiVersion: 'cluster.x-k8s.io/v1beta1',
      kind: 'Cluster',
      metadata: { name: 'pending' },
      spec: {},
    });
    const refresh = await new ClusterRegistry({ load: () => Promise.resolve(config) }).refresh();
    expect(refresh.problems).toEqual([
      `cluster-api/${namespace}/pending: no readable kubeconfig in Secret ${namespace}/pending-kubeconfig (key value)`,
    ]);
    expect(refresh.clusters.map((c) => c.name)).toContain('mgmt');
  });
});
