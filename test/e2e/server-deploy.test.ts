import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config/config-file.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';

const harness = inject('harness');
const deploy = join(import.meta.dirname, '..', '..', 'deploy');
const suffix = randomBytes(3).toString('hex');
const namespace = `lifeboat-deploy-${suffix}`;
const client = new KubeClient(loadKubeConfig({ kubeconfig: harness.clusters['source']!.kubeconfig }));

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  [key: string]: unknown;
}

const COLLECTIONS: Record<string, (ns: string) => string> = {
  Namespace: () => '/api/v1/namespaces',
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  ConfigMap: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  Secret: (ns) => `/api/v1/namespaces/${ns}/secrets`,
  Service: (ns) => `/api/v1/namespaces/${ns}/services`,
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
};

/** Every manifest under deploy/kubernetes, moved to a unique namespace (and unique cluster-scoped names). */
async function manifests(): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const dir of ['kubernetes', 'kubernetes/restore']) {
    for (const file of (await readdir(join(deploy, dir))).filter((f) => f.endsWith('.yaml')).sort()) {
      const text = (await readFile(join(deploy, dir, file), 'utf8'))
        .replaceAll('namespace: lifeboat', `namespace: ${namespace}`)
        .replace(/^(\s+name: )lifeboat-(backup|restore)$/gm, `$1lifeboat-$2-${suffix}`);
      for (const doc of parseAllDocuments(text)) out.push(doc.toJS() as Manifest);
    }
  }
  return out.map((m) =>
    m.kind === 'Namespace' ? { ...m, metadata: { ...m.metadata, name: namespace } } : m,
  );
}

afterAll(async () => {
  await client.json({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` }).catch(() => undefined);
  client.close();
});

describe('deploy/', () => {
  it('the manifests are accepted by the API server (server-side dry run)', async () => {
    const all = await manifests();
    expect(all.map((m) => m.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRole',
        'ClusterRoleBinding',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'Namespace',
        'Role',
        'RoleBinding',
        'Secret',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    // The namespace is created for real (namespaced dry runs need it), everything else dry-run only.
    const ns = all.find((m) => m.kind === 'Namespace')!;
    await client.json({ method: 'POST', path: '/api/v1/namespaces', body: ns });
    for (const m of all.filter((x) => x.kind !== 'Namespace')) {
      const path = COLLECTIONS[m.kind]!(m.metadata.namespace ?? namespace);
      const created = await client.json<Manifest>({
        method: 'POST',
        path,
        query: { dryRun: 'All', fieldManager: 'lifeboat-e2e' },
        body: m,
      });
      expect(created.metadata.name, `${m.kind} ${m.metadata.name}`).toBe(m.metadata.name);
    }
  });

  it('the example config is a valid lifeboat config, and the Deployment is hardened', async () => {
    const all = await manifests();
    const cm = all.find((m) => m.kind === 'ConfigMap')!;
    const config = parseConfig(cm.data!['config.yaml']!, 'configmap');
    expect(config.schedules?.[0]).toMatchObject({ name: 'every-6h', rpo: '6h' });
    const dep = all.find((m) => m.kind === 'Deployment') as unknown as {
      spec: {
        template: {
          spec: { securityContext: Record<string, unknown>; containers: Record<string, unknown>[] };
        };
      };
    };
    const pod = dep.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.containers[0]).toMatchObject({
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      readinessProbe: { httpGet: { path: '/readyz' } },
      livenessProbe: { httpGet: { path: '/healthz' } },
    });
    // /metrics needs auth unless the server is told otherwise: the Deployment opens it for Prometheus.
    expect((pod.containers[0] as { args: string[] }).args).toContain('--metrics-public');
    const dockerfile = await readFile(join(deploy, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24-slim AS build$/m);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
  });
});
