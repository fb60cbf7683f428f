/**
 * The reference workload (DESIGN.md §6): namespaces of ConfigMaps, Secrets, Services, Deployments
 * (whose ReplicaSets and Pods come from the controller manager), ServiceAccounts, RBAC and custom
 * resources of a CRD, plus cluster-scoped objects. Used by e2e tests (small) and the benchmark (large).
 */
import type { KubeClient } from '../../src/kube/client.ts';
import { KubeApiError } from '../../src/kube/client.ts';

export const WIDGET_GROUP = 'bench.lifeboat.io';
export const WIDGET_CRD = `widgets.${WIDGET_GROUP}`;

export interface WorkloadShape {
  namespaces: number;
  prefix: string;
  configMaps: number;
  secrets: number;
  services: number;
  deployments: number;
  serviceAccounts: number;
  roles: number;
  widgets: number;
  clusterRoles: number;
}

/** Objects per namespace: the kinds above, plus kube-root-ca.crt, the default SA, each Deployment's RS and Pod, the namespace itself. */
export function objectsPerNamespace(s: WorkloadShape): number {
  return (
    s.configMaps +
    s.secrets +
    s.services +
    s.deployments * 3 +
    s.serviceAccounts +
    s.roles * 2 +
    s.widgets +
    3
  );
}

/** A shape of about `total` objects. */
export function shapeFor(total: number, prefix = 'bench'): WorkloadShape {
  const per: WorkloadShape = {
    namespaces: 1,
    prefix,
    configMaps: 40,
    secrets: 20,
    services: 10,
    deployments: 5,
    serviceAccounts: 5,
    roles: 5,
    widgets: 10,
    clusterRoles: 20,
  };
  return { ...per, namespaces: Math.max(1, Math.round(total / objectsPerNamespace(per))) };
}

export const WIDGET_CRD_BODY = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: WIDGET_CRD },
  spec: {
    group: WIDGET_GROUP,
    scope: 'Namespaced',
    names: {
      plural: 'widgets',
      singular: 'widget',
      kind: 'Widget',
      listKind: 'WidgetList',
      shortNames: ['wdg'],
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer' },
                  color: { type: 'string' },
                  tags: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

async function create(client: KubeClient, path: string, body: unknown): Promise<void> {
  try {
    await client.text({ method: 'POST', path, body });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) return; // already there: seeding is idempotent
    throw err;
  }
}

/** Runs tasks with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function ensureWidgetCrd(client: KubeClient): Promise<void> {
  await create(client, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', WIDGET_CRD_BODY);
  for (let i = 0; i < 200; i++) {
    const crd = JSON.parse(
      await client.text({ path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WIDGET_CRD}` }),
    ) as { status?: { conditions?: { type: string; status: string }[] } };
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
      // Discovery can lag the condition by a moment.
      try {
        await client.text({ path: `/apis/${WIDGET_GROUP}/v1/widgets` });
        return;
      } catch {
        // not served yet
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${WIDGET_CRD} did not become Established`);
}

export function namespaceNames(shape: WorkloadShape): string[] {
  return Array.from({ length: shape.namespaces }, (_, i) => `${shape.prefix}-${String(i).padStart(4, '0')}`);
}

/** Seeds the workload; returns the number of objects created directly (controllers add RS and Pods). */
export async function seedWorkload(
  client: KubeClient,
  shape: WorkloadShape,
  options: { concurrency?: number; onProgress?: (done: number) => void } = {},
): Promise<void> {
  await ensureWidgetCrd(client);
  const namespaces = namespaceNames(shape);
  await pool(namespaces, options.concurrency ?? 32, (ns) =>
    create(client, '/api/v1/namespaces', {
      metadata: { name: ns, labels: { 'lifeboat.io/workload': shape.prefix } },
    }),
  );
  const tasks: [string, unknown][] = [];
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  for (let i = 0; i < shape.clusterRoles; i++) {
    const name = `${shape.prefix}-reader-${i}`;
    tasks.push([
      `${rbac}/clusterroles`,
      { metadata: { name }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] },
    ]);
    tasks.push([
      `${rbac}/clusterrolebindings`,
      {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: 'sa-0', namespace: namespaces[i % namespaces.length] }],
      },
    ]);
  }
  for (const ns of namespaces) {
    const base = `/api/v1/namespaces/${ns}`;
    const labels = { app: 'bench', 'lifeboat.io/workload': shape.prefix };
    for (let i = 0; i < shape.configMaps; i++) {
      tasks.push([
        `${base}/configmaps`,
        {
          metadata: { name: `cm-${i}`, labels: { ...labels, tier: i % 2 ? 'web' : 'db' } },
          data: { 'settings.yaml': `index: ${i}\n${'x'.repeat(900)}\n` },
        },
      ]);
    }
    for (let i = 0; i < shape.secrets; i++) {
      tasks.push([
        `${base}/secrets`,
        {
          metadata: { name: `secret-${i}`, labels },
          type: 'Opaque',
          stringData: { password: `s3cr3t-${ns}-${i}` },
        },
      ]);
    }
    for (let i = 0; i < shape.services; i++) {
      tasks.push([
        `${base}/services`,
        {
          metadata: { name: `svc-${i}`, labels },
          spec: { selector: { app: `web-${i}` }, ports: [{ port: 80, targetPort: 8080 }] },
        },
      ]);
    }
    for (let i = 0; i < shape.serviceAccounts; i++) {
      tasks.push([`${base}/serviceaccounts`, { metadata: { name: `sa-${i}`, labels } }]);
    }
    for (let i = 0; i < shape.roles; i++) {
      const rb = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}`;
      tasks.push([
        `${rb}/roles`,
        {
          metadata: { name: `role-${i}`, labels },
          rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
        },
      ]);
      tasks.push([
        `${rb}/rolebindings`,
        {
          metadata: { name: `rb-${i}`, labels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `role-${i}` },
          subjects: [
            { kind: 'ServiceAccount', name: `sa-${i % Math.max(1, shape.serviceAccounts)}`, namespace: ns },
          ],
        },
      ]);
    }
    for (let i = 0; i < shape.widgets; i++) {
      tasks.push([
        `/apis/${WIDGET_GROUP}/v1/namespaces/${ns}/widgets`,
        {
          apiVersion: `${WIDGET_GROUP}/v1`,
          kind: 'Widget',
          metadata: { name: `widget-${i}`, labels },
          spec: { size: i, color: 'blue', tags: ['a', 'b'] },
        },
      ]);
    }
    for (let i = 0; i < shape.deployments; i++) {
      tasks.push([
        `/apis/apps/v1/namespaces/${ns}/deployments`,
        {
          metadata: { name: `web-${i}`, labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: `web-${i}` } },
            template: {
              metadata: { labels: { app: `web-${i}` } },
              spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }] },
            },
          },
        },
      ]);
    }
  }
  let done = 0;
  await pool(tasks, options.concurrency ?? 32, async ([path, body]) => {
    await create(client, path, body);
    if (++done % 1000 === 0) options.onProgress?.(done);
  });
}

/** Waits until the controller manager has made one Pod per Deployment replica in the workload. */
export async function waitForWorkloadPods(
  client: KubeClient,
  shape: WorkloadShape,
  timeoutMs = 600_000,
): Promise<void> {
  const want = shape.namespaces * shape.deployments;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let count = 0;
    let token: string | undefined;
    do {
      const page = JSON.parse(
        await client.text({
          path: '/api/v1/pods',
          query: { limit: 500, continue: token, labelSelector: 'app' },
        }),
      ) as { items: { metadata: { namespace: string } }[]; metadata: { continue?: string } };
      count += page.items.filter((p) => p.metadata.namespace.startsWith(`${shape.prefix}-`)).length;
      token = page.metadata.continue || undefined;
    } while (token);
    if (count >= want) return;
    if (Date.now() > deadline)
      throw new Error(`only ${count} of ${want} workload pods after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
