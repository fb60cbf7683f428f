/**
 * deploy/kubernetes/volumes/: the node agent's RBAC and DaemonSet are accepted by the API server
 * (RBAC created for real, the DaemonSet server-side dry run), the RBAC grants exactly what the
 * agent and the server's backups do with pod volumes (SubjectAccessReviews), and the DaemonSet
 * mounts the kubelet's pods directory as Velero's node agent does.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { installPodVolumeCrds } from '../helpers/pod-volumes.ts';

const harness = inject('harness');
const dir = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes', 'volumes');
const suffix = randomBytes(3).toString('hex');
const namespace = `lifeboat-agent-${suffix}`;
const client = new KubeClient(loadKubeConfig({ kubeconfig: harness.clusters['source']!.kubeconfig }));

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

const COLLECTIONS: Record<string, (ns: string) => string> = {
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  DaemonSet: (ns) => `/apis/apps/v1/namespaces/${ns}/daemonsets`,
};

/** The agent's manifests, moved to a unique namespace (and unique cluster-scoped names). */
async function manifests(): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const file of ['10-agent-rbac.yaml', '20-agent-daemonset.yaml']) {
    const text = (await readFile(join(dir, file), 'utf8'))
      .replaceAll('namespace: lifeboat', `namespace: ${namespace}`)
      .replace(/^(\s+name: )lifeboat-agent$/gm, `$1lifeboat-agent-${suffix}`);
    for (const doc of parseAllDocuments(text)) out.push(doc.toJS() as Manifest);
  }
  return out;
}

async function allowed(
  serviceAccount: string,
  attributes: { verb: string; resource: string; group?: string; subresource?: string; namespace?: string },
): Promise<boolean> {
  const review = await client.json<{ status?: { allowed?: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${namespace}:${serviceAccount}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes: { group: '', ...attributes },
      },
    },
  });
  return review.status?.allowed === true;
}

let all: Manifest[];

beforeAll(async () => {
  await installPodVolumeCrds(client);
  all = await manifests();
  await client.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  for (const m of (all ?? []).filter((x) => x.kind.startsWith('Cluster')))
    await client
      .json({ method: 'DELETE', path: `${COLLECTIONS[m.kind]!('')}/${m.metadata.name}` })
      .catch(() => undefined);
  await client.json({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` }).catch(() => undefined);
  client.close();
});

describe('deploy/kubernetes/volumes/ (the node agent)', () => {
  it('is accepted by the API server: RBAC created, the DaemonSet in a server-side dry run', async () => {
    expect(all.map((m) => m.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'DaemonSet',
        'Role',
        'Role',
        'RoleBinding',
        'RoleBinding',
        'ServiceAccount',
      ].sort(),
    );
    for (const m of all) {
      const created = await client.json<Manifest>({
        method: 'POST',
        path: COLLECTIONS[m.kind]!(m.metadata.namespace ?? namespace),
        query:
          m.kind === 'DaemonSet'
            ? { dryRun: 'All', fieldManager: 'lifeboat-e2e' }
            : { fieldManager: 'lifeboat-e2e' },
        body: m,
      });
      expect(created.metadata.name, `${m.kind} ${m.metadata.name}`).toBe(m.metadata.name);
    }
  });

  it('grants the agent and the server what pod volume work needs, and the agent nothing more', async () => {
    const agent = `lifeboat-agent-${suffix}`;
    const inNs = { namespace, group: 'lifeboat.io' };
    expect(await allowed(agent, { verb: 'list', resource: 'pods' })).toBe(true);
    expect(await allowed(agent, { verb: 'get', resource: 'persistentvolumes' })).toBe(true);
    expect(await allowed(agent, { verb: 'list', resource: 'csidrivers', group: 'storage.k8s.io' })).toBe(
      true,
    );
    expect(await allowed(agent, { verb: 'list', resource: 'podvolumebackups', ...inNs })).toBe(true);
    expect(
      await allowed(agent, { verb: 'update', resource: 'podvolumebackups', subresource: 'status', ...inNs }),
    ).toBe(true);
    expect(
      await allowed(agent, { verb: 'patch', resource: 'podvolumerestores', subresource: 'status', ...inNs }),
    ).toBe(true);
    expect(
      await allowed(agent, { verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace }),
    ).toBe(true);
    expect(await allowed(agent, { verb: 'create', resource: 'podvolumebackups', ...inNs })).toBe(false);
    expect(await allowed(agent, { verb: 'delete', resource: 'pods', namespace: 'default' })).toBe(false);
    expect(await allowed(agent, { verb: 'get', resource: 'secrets', namespace: 'default' })).toBe(false);
    expect(
      await allowed(agent, {
        verb: 'list',
        resource: 'podvolumebackups',
        namespace: 'default',
        group: 'lifeboat.io',
      }),
    ).toBe(false);
    expect(await allowed('lifeboat', { verb: 'create', resource: 'podvolumebackups', ...inNs })).toBe(true);
    expect(
      await allowed('lifeboat', {
        verb: 'patch',
        resource: 'podvolumebackups',
        subresource: 'status',
        ...inNs,
      }),
    ).toBe(true);
    expect(
      await allowed('lifeboat', { verb: 'get', resource: 'leases', group: 'coordination.k8s.io', namespace }),
    ).toBe(true);
  });

  it('the DaemonSet mounts the kubelet pods directory at /host_pods (HostToContainer), as root with few capabilities', () => {
    const ds = all.find((m) => m.kind === 'DaemonSet') as unknown as {
      spec: {
        template: {
          spec: {
            securityContext: Record<string, unknown>;
            volumes: { name: string; hostPath?: { path: string } }[];
            containers: {
              args: string[];
              env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
              securityContext: { capabilities: { drop: string[]; add: string[] }; privileged: boolean };
              volumeMounts: { name: string; mountPath: string; mountPropagation?: string }[];
              resources: { limits: { memory: string } };
            }[];
          };
        };
      };
    };
    const pod = ds.spec.template.spec;
    const container = pod.containers[0]!;
    expect(pod.securityContext).toMatchObject({ runAsUser: 0 });
    expect(pod.volumes.find((v) => v.name === 'host-pods')?.hostPath?.path).toBe('/var/lib/kubelet/pods');
    expect(container.volumeMounts.find((m) => m.name === 'host-pods')).toEqual({
      name: 'host-pods',
      mountPath: '/host_pods',
      mountPropagation: 'HostToContainer',
    });
    expect(container.args.slice(0, 2)).toEqual(['agent', '--host-pods=/host_pods']);
    expect(container.env.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe(
      'spec.nodeName',
    );
    expect(container.securityContext.privileged).toBe(false);
    expect(container.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(container.securityContext.capabilities.add).not.toContain('SYS_ADMIN');
    expect(container.resources.limits.memory).toBeTruthy();
  });
});
