/**
 * The reference workload (DESIGN.md §6): namespaces of ConfigMaps, Secrets, Services, Deployments
 * (whose ReplicaSets and Pods come from the controller manager), ServiceAccounts, RBAC and custom
 * resources of a CRD, plus cluster-scoped objects. Used by e2e tests (small) and the benchmark (large).
 */
import { KubeApiError, type KubeClient } from '../../src/kube/client.ts';

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

/**
 * Objects per namespace as a whole-cluster backup lists them: the kinds above, the namespace itself,
 * kube-root-ca.crt and the default ServiceAccount, and what controllers add — each Deployment's
 * ReplicaSet, Pod and two Events (ScalingReplicaSet, SuccessfulCreate), each Service's Endpoints
 * and EndpointSlice.
 */
export function objectsPerNamespace(s: WorkloadShape): number {
  return (
    s.configMaps +
    s.secrets +
    s.services * 3 +
    s.deployments * 5 +
    s.serviceAccounts +
    s.roles * 2 +
    s.widgets +
    3
  );
}

/** Cluster-scoped objects of a fresh harness control plane (ClusterRoles, bindings, PriorityClasses, CRDs...), measured. */
export const BASE_CLUSTER_OBJECTS = 420;

/** A shape of about `total` objects, counting the cluster's own objects and the workload's cluster-scoped ones. */
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
  const namespaced = total - BASE_CLUSTER_OBJECTS - per.clusterRoles * 2;
  return { ...per, namespaces: Math.max(1, Math.round(namespaced / objectsPerNamespace(per))) };
}

/**
 * The shape of issue 14, many namespaces of plain objects: 200 per namespace — 100 ConfigMaps of
 * ~1 KiB, 50 Secrets, 25 headless Services (each with its Endpoints and EndpointSlice), 25
 * ServiceAccounts — and nothing else: no Deployments, RBAC or custom resources. 10,000 objects make
 * 50 namespaces (~12.7k items a backup lists).
 */
export function namespacesShapeFor(total: number, prefix = 'bench'): WorkloadShape {
  return {
    namespaces: Math.max(1, Math.round(total / 200)),
    prefix,
    configMaps: 100,
    secrets: 50,
    services: 25,
    deployments: 0,
    serviceAccounts: 25,
    roles: 0,
    widgets: 0,
    clusterRoles: 0,
  };
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

/**
 * Runs fn over items with at most `limit` in flight. Items are pulled from the iterable as workers
 * free up, so a generator keeps memory bounded however many tasks there are.
 */
async function pool<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.max(1, limit) }, async () => {
      for (let next = it.next(); !next.done && !failed; next = it.next()) {
        try {
          await fn(next.value);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
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

export function namespaceName(shape: WorkloadShape, index: number): string {
  return `${shape.prefix}-${String(index).padStart(4, '0')}`;
}

export function namespaceNames(shape: WorkloadShape): string[] {
  return Array.from({ length: shape.namespaces }, (_, i) => namespaceName(shape, i));
}

export interface SeedOptions {
  /** Creates in flight (default 32); give the client at least as many sockets. */
  concurrency?: number;
  /**
   * First namespace index to seed (default 0). Growing a seeded workload: seed shapeFor(bigger) from
   * the previous shape's namespace count; cluster-scoped objects are made only from index 0.
   */
  fromNamespace?: number;
  /** Called with the number of objects created so far, every `progressEvery` (default 1000). */
  onProgress?: (done: number) => void;
  progressEvery?: number;
}

/** The number of objects seedWorkload creates directly (controllers add each Deployment's RS and Pod). */
export function directObjects(shape: WorkloadShape, fromNamespace = 0): number {
  const namespaces = Math.max(0, shape.namespaces - fromNamespace);
  const perNamespace =
    1 +
    shape.configMaps +
    shape.secrets +
    shape.services +
    shape.serviceAccounts +
    shape.roles * 2 +
    shape.widgets +
    shape.deployments;
  return namespaces * perNamespace + (fromNamespace === 0 ? shape.clusterRoles * 2 : 0);
}

/**
 * Seeds the workload with raw POSTs (409 counts as done, so seeding is idempotent). Objects are
 * generated lazily, a namespace at a time, so memory does not grow with the size of the workload.
 */
export async function seedWorkload(
  client: KubeClient,
  shape: WorkloadShape,
  options: SeedOptions = {},
): Promise<void> {
  const concurrency = options.concurrency ?? 32;
  const every = options.progressEvery ?? 1000;
  const from = options.fromNamespace ?? 0;
  await ensureWidgetCrd(client);
  // A namespace's contents wait for the namespace (normally long since created: see workloadObjects).
  const namespaces = new Map<string, PromiseWithResolvers<void>>();
  const namespace = (name: string) => {
    let entry = namespaces.get(name);
    if (entry === undefined) namespaces.set(name, (entry = Promise.withResolvers<void>()));
    return entry;
  };
  let done = 0;
  await pool(workloadObjects(shape, from), concurrency, async ([path, body, ns]) => {
    if (ns !== undefined) await namespace(ns).promise;
    const created = path === '/api/v1/namespaces' ? namespace(nameOf(body)) : undefined;
    try {
      await create(client, path, body);
      created?.resolve();
    } catch (err) {
      created?.reject(err);
      throw err;
    }
    if (++done % every === 0) options.onProgress?.(done);
  });
}

function nameOf(body: unknown): string {
  return (body as { metadata: { name: string } }).metadata.name;
}

/** A create: the collection path, the body, and the namespace it goes into (if any). */
type SeedTask = [path: string, body: unknown, namespace?: string];

/**
 * Every object to create, as [collection path, body, namespace], in an order that creates each namespace
 * before its contents. Workers run ahead by at most `concurrency` objects, and a namespace's
 * first object is listed `nsLead` namespaces after its own creation, so the namespace exists by then.
 */
function* workloadObjects(shape: WorkloadShape, from: number): Generator<SeedTask> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const nsLead = 2;
  const nsBody = (i: number): SeedTask => [
    '/api/v1/namespaces',
    { metadata: { name: namespaceName(shape, i), labels: { 'lifeboat.io/workload': shape.prefix } } },
  ];
  for (let i = from; i < Math.min(shape.namespaces, from + nsLead); i++) yield nsBody(i);
  if (from === 0) {
    for (let i = 0; i < shape.clusterRoles; i++) {
      const name = `${shape.prefix}-reader-${i}`;
      yield [
        `${rbac}/clusterroles`,
        {
          metadata: { name },
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
        },
      ];
      yield [
        `${rbac}/clusterrolebindings`,
        {
          metadata: { name },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
          subjects: [
            { kind: 'ServiceAccount', name: 'sa-0', namespace: namespaceName(shape, i % shape.namespaces) },
          ],
        },
      ];
    }
  }
  for (let n = from; n < shape.namespaces; n++) {
    if (n + nsLead < shape.namespaces) yield nsBody(n + nsLead);
    const ns = namespaceName(shape, n);
    for (const [path, body] of namespaceObjects(shape, ns)) yield [path, body, ns];
  }
}

function* namespaceObjects(shape: WorkloadShape, ns: string): Generator<SeedTask> {
  const base = `/api/v1/namespaces/${ns}`;
  const labels = { app: 'bench', 'lifeboat.io/workload': shape.prefix };
  for (let i = 0; i < shape.configMaps; i++) {
    yield [
      `${base}/configmaps`,
      {
        metadata: { name: `cm-${i}`, labels: { ...labels, tier: i % 2 ? 'web' : 'db' } },
        data: { 'settings.yaml': `index: ${i}\n${'x'.repeat(900)}\n` },
      },
    ];
  }
  for (let i = 0; i < shape.secrets; i++) {
    yield [
      `${base}/secrets`,
      {
        metadata: { name: `secret-${i}`, labels },
        type: 'Opaque',
        stringData: { password: `s3cr3t-${ns}-${i}` },
      },
    ];
  }
  for (let i = 0; i < shape.services; i++) {
    yield [
      `${base}/services`,
      {
        metadata: { name: `svc-${i}`, labels },
        // Headless: the harness's service CIDR has room for only ~250 cluster IPs.
        spec: { clusterIP: 'None', selector: { app: `web-${i}` }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    ];
  }
  for (let i = 0; i < shape.serviceAccounts; i++) {
    yield [`${base}/serviceaccounts`, { metadata: { name: `sa-${i}`, labels } }];
  }
  const rb = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}`;
  for (let i = 0; i < shape.roles; i++) {
    yield [
      `${rb}/roles`,
      {
        metadata: { name: `role-${i}`, labels },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
      },
    ];
    yield [
      `${rb}/rolebindings`,
      {
        metadata: { name: `rb-${i}`, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `role-${i}` },
        subjects: [
          { kind: 'ServiceAccount', name: `sa-${i % Math.max(1, shape.serviceAccounts)}`, namespace: ns },
        ],
      },
    ];
  }
  for (let i = 0; i < shape.widgets; i++) {
    yield [
      `/apis/${WIDGET_GROUP}/v1/namespaces/${ns}/widgets`,
      {
        apiVersion: `${WIDGET_GROUP}/v1`,
        kind: 'Widget',
        metadata: { name: `widget-${i}`, labels },
        spec: { size: i, color: 'blue', tags: ['a', 'b'] },
      },
    ];
  }
  for (let i = 0; i < shape.deployments; i++) {
    yield [
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
    ];
  }
}

/** Waits until the controller manager has made one Pod per Deployment replica in the workload. */
export async function waitForWorkloadPods(
  client: KubeClient,
  shape: WorkloadShape,
  timeoutMs = 600_000,
): Promise<void> {
  await waitForWorkloadCount(
    client,
    shape,
    '/api/v1/pods',
    'app',
    shape.namespaces * shape.deployments,
    timeoutMs,
  );
}

/** Waits until the controller manager has made the EndpointSlice of every Service in the workload. */
export async function waitForWorkloadEndpointSlices(
  client: KubeClient,
  shape: WorkloadShape,
  timeoutMs = 600_000,
): Promise<void> {
  await waitForWorkloadCount(
    client,
    shape,
    '/apis/discovery.k8s.io/v1/endpointslices',
    undefined,
    shape.namespaces * shape.services,
    timeoutMs,
  );
}

async function waitForWorkloadCount(
  client: KubeClient,
  shape: WorkloadShape,
  path: string,
  labelSelector: string | undefined,
  want: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let count = 0;
    let token: string | undefined;
    do {
      const page = JSON.parse(
        await client.text({ path, query: { limit: 500, continue: token, labelSelector } }),
      ) as { items: { metadata: { namespace: string } }[]; metadata: { continue?: string } };
      count += page.items.filter((p) => p.metadata.namespace.startsWith(`${shape.prefix}-`)).length;
      token = page.metadata.continue || undefined;
    } while (token);
    if (count >= want) return;
    if (Date.now() > deadline)
      throw new Error(`only ${count} of ${want} workload ${path} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
