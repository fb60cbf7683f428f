import { join } from 'node:path';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { eventually } from './kube.ts';
import { startServer, type ServerProcess } from './server.ts';

/** Cluster API's `Cluster`, as much of it as fleet discovery reads (any fields kept). */
export const CLUSTER_API_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'clusters.cluster.x-k8s.io' },
  spec: {
    group: 'cluster.x-k8s.io',
    scope: 'Namespaced',
    names: { plural: 'clusters', singular: 'cluster', kind: 'Cluster', listKind: 'ClusterList' },
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

export interface FleetPlanes {
  /** The management plane: Cluster API's CRD served, the namespace made. */
  management: ControlPlane;
  /** The other planes, in the order named. */
  workloads: ControlPlane[];
  mgmtClient: KubeClient;
}

/**
 * Real control planes for a fleet test under dir/planes: `mgmt` holding Cluster API's CRD and the
 * namespace the fleet discovers in (and its Leases live in), and a workload plane per name given.
 */
export async function startFleetPlanes(
  dir: string,
  namespace: string,
  workloads: string[],
): Promise<FleetPlanes> {
  const planes = await Promise.all(
    ['mgmt', ...workloads].map((name) => startControlPlane(name, join(dir, 'planes', name))),
  );
  const management = planes[0];
  if (management === undefined) throw new Error('no management plane started');
  const mgmtClient = new KubeClient(loadKubeConfig({ kubeconfig: management.kubeconfig }));
  const post = (path: string, body: unknown) => mgmtClient.text({ method: 'POST', path, body });
  await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CLUSTER_API_CRD);
  await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await eventually('the Cluster API CRD is served', () =>
    mgmtClient
      .json<{ items?: unknown[] }>({
        path: `/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters`,
        retries: 0,
      })
      .then((l) => l.items),
  );
  return { management, workloads: planes.slice(1), mgmtClient };
}

/** A `lifeboat server` replica of a fleet test. */
export interface Replica extends ServerProcess {
  id: string;
}

/**
 * `lifeboat server` from source on a free loopback port, with leader election in `namespace` of the
 * management plane, as replica `id`, with the config and token given; `args` are its other flags.
 */
export async function startReplica(o: {
  id: string;
  kubeconfig: string;
  namespace: string;
  configPath: string;
  token: string;
  args: string[];
}): Promise<Replica> {
  const server = await startServer({
    args: [
      ...['--kubeconfig', o.kubeconfig, '--leader-elect', '--lease-namespace', o.namespace],
      ...['--replica-id', o.id, ...o.args],
    ],
    env: { LIFEBOAT_CONFIG: o.configPath, LIFEBOAT_API_TOKEN: o.token },
    timeoutMs: 180_000,
  });
  return { ...server, id: o.id };
}
