/**
 * A small, realistic application estate for e2e tests and the demo: two namespaces with a
 * Deployment, a NodePort Service, ConfigMaps, a Secret, RBAC bound to a ServiceAccount (also
 * cluster-wide), a Pod with a PriorityClass mounting a PVC bound to a CSI PV of a StorageClass,
 * and custom resources of a CRD.
 */
import { KubeApiError, type KubeClient } from '../../src/kube/client.ts';
import { ensureWidgetCrd, WIDGET_GROUP } from './workload.ts';

export interface Estate {
  prefix: string;
  app: string;
  data: string;
  storageClass: string;
  pv: string;
  priorityClass: string;
  clusterRole: string;
}

export function estateNames(prefix: string): Estate {
  return {
    prefix,
    app: `${prefix}-app`,
    data: `${prefix}-data`,
    storageClass: `${prefix}-smb`,
    pv: `${prefix}-pv-data`,
    priorityClass: `${prefix}-high`,
    clusterRole: `${prefix}-web-reader`,
  };
}

async function post(client: KubeClient, path: string, body: unknown): Promise<void> {
  try {
    await client.text({ method: 'POST', path, body });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
  }
}

export async function seedEstate(client: KubeClient, prefix: string): Promise<Estate> {
  const e = estateNames(prefix);
  await ensureWidgetCrd(client);
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await post(client, '/api/v1/namespaces', {
    metadata: { name: e.app, labels: { team: 'payments', estate: prefix } },
  });
  await post(client, '/api/v1/namespaces', {
    metadata: { name: e.data, labels: { team: 'data', estate: prefix } },
  });
  await post(client, '/apis/storage.k8s.io/v1/storageclasses', {
    metadata: { name: e.storageClass },
    provisioner: 'smb.csi.k8s.io',
    parameters: { source: '//fileserver/share' },
    reclaimPolicy: 'Retain',
    volumeBindingMode: 'Immediate',
  });
  await post(client, '/apis/scheduling.k8s.io/v1/priorityclasses', {
    metadata: { name: e.priorityClass },
    value: 100000,
  });
  await post(client, '/api/v1/persistentvolumes', {
    metadata: { name: e.pv },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: e.storageClass,
      csi: { driver: 'smb.csi.k8s.io', volumeHandle: `${prefix}-share` },
      claimRef: { namespace: e.app, name: 'data' },
    },
  });
  const app = `/api/v1/namespaces/${e.app}`;
  await post(client, `${app}/persistentvolumeclaims`, {
    metadata: { name: 'data', labels: { tier: 'db' } },
    spec: {
      accessModes: ['ReadWriteMany'],
      storageClassName: e.storageClass,
      volumeName: e.pv,
      resources: { requests: { storage: '1Gi' } },
    },
  });
  await post(client, `${app}/configmaps`, {
    metadata: { name: 'web-settings', labels: { tier: 'web' } },
    data: { 'app.yaml': 'replicas: 2\n' },
  });
  await post(client, `${app}/configmaps`, {
    metadata: { name: 'db-settings', labels: { tier: 'db' } },
    data: { 'db.yaml': 'pool: 10\n' },
  });
  await post(client, `${app}/secrets`, {
    metadata: { name: 'db-credentials', labels: { tier: 'db' } },
    type: 'Opaque',
    stringData: { password: 'correct-horse-battery-staple' },
  });
  await post(client, `${app}/serviceaccounts`, { metadata: { name: 'web', labels: { tier: 'web' } } });
  await post(client, `${rbac}/namespaces/${e.app}/roles`, {
    metadata: { name: 'web-config' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
  });
  await post(client, `${rbac}/namespaces/${e.app}/rolebindings`, {
    metadata: { name: 'web-config' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web-config' },
    subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: e.app }],
  });
  await post(client, `${rbac}/clusterroles`, {
    metadata: { name: e.clusterRole },
    rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
  });
  await post(client, `${rbac}/clusterrolebindings`, {
    metadata: { name: e.clusterRole },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: e.clusterRole },
    subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: e.app }],
  });
  await post(client, `${app}/services`, {
    metadata: { name: 'web', labels: { tier: 'web' } },
    spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  await post(client, `/apis/apps/v1/namespaces/${e.app}/deployments`, {
    metadata: { name: 'web', labels: { tier: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'web' } },
        spec: { serviceAccountName: 'web', containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  });
  await waitForServiceAccount(client, e.app, 'default');
  await post(client, `${app}/pods`, {
    metadata: { name: 'worker', labels: { tier: 'db' } },
    spec: {
      serviceAccountName: 'web',
      priorityClassName: e.priorityClass,
      containers: [
        {
          name: 'worker',
          image: 'busybox:1.36',
          command: ['sleep', '3600'],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    },
  });
  for (const name of ['blue', 'green']) {
    await post(client, `/apis/${WIDGET_GROUP}/v1/namespaces/${e.app}/widgets`, {
      apiVersion: `${WIDGET_GROUP}/v1`,
      kind: 'Widget',
      metadata: { name, labels: { tier: 'web' } },
      spec: { size: 3, color: name, tags: ['x'] },
    });
  }
  const data = `/api/v1/namespaces/${e.data}`;
  await post(client, `${data}/configmaps`, {
    metadata: { name: 'warehouse', labels: { tier: 'db' } },
    data: { rows: '42' },
  });
  await waitFor(async () => {
    const pvc = JSON.parse(await client.text({ path: `${app}/persistentvolumeclaims/data` })) as {
      status?: { phase?: string };
    };
    return pvc.status?.phase === 'Bound';
  }, 'the PVC to bind to its PV');
  await waitFor(async () => {
    const list = JSON.parse(
      await client.text({ path: `${app}/pods`, query: { labelSelector: 'app=web' } }),
    ) as { items: unknown[] };
    return list.items.length === 2;
  }, 'the Deployment’s pods');
  return e;
}

async function waitForServiceAccount(client: KubeClient, ns: string, name: string): Promise<void> {
  await waitFor(async () => {
    try {
      await client.text({ path: `/api/v1/namespaces/${ns}/serviceaccounts/${name}` });
      return true;
    } catch {
      return false;
    }
  }, `ServiceAccount ${ns}/${name}`);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
