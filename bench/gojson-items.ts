/**
 * Listed items for `npm run bench -- gojson`: ConfigMaps, Secrets and Deployments as the API server
 * writes them in a list (struct fields in declaration order, managedFields, no apiVersion/kind).
 */

function metadata(i: number, kind: string): Record<string, unknown> {
  return {
    name: `${kind.toLowerCase()}-${i}`,
    namespace: `team-${i % 17}`,
    uid: `7f0c${String(i).padStart(4, '0')}-1b2c-4d5e-8f90-a1b2c3d4e5f6`,
    resourceVersion: String(100000 + i),
    generation: 3,
    creationTimestamp: '2026-11-02T10:15:30Z',
    labels: { app: `svc-${i % 50}`, 'app.kubernetes.io/part-of': 'shop', tier: 'backend' },
    annotations: { 'deployment.kubernetes.io/revision': '3', 'meta.helm.sh/release-name': `rel-${i % 9}` },
    managedFields: [
      {
        manager: 'helm',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-11-02T10:15:30Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {} } },
          'f:data': { '.': {}, 'f:config.yaml': {} },
        },
      },
    ],
  };
}

function configMap(i: number): unknown {
  return {
    metadata: metadata(i, 'ConfigMap'),
    data: {
      'config.yaml': `server:\n  port: ${8000 + (i % 100)}\n  workers: 4\nlog: info\n`,
      'feature-flags': 'a=true,b=false,c=true',
      'max-conns': String(i % 1000),
    },
  };
}

function secret(i: number): unknown {
  return {
    metadata: metadata(i, 'Secret'),
    data: {
      password: Buffer.from(`pw-${i}-xyzzy`).toString('base64'),
      username: 'YWRtaW4=',
      'tls.crt': Buffer.alloc(600, i % 256).toString('base64'),
    },
    type: 'Opaque',
  };
}

const container = (i: number) => ({
  name: 'app',
  image: `registry.example.com/shop/svc-${i % 50}:1.${i % 30}.0`,
  ports: [
    { containerPort: 8080, protocol: 'TCP' },
    { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
  ],
  env: [
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
  ],
  resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
  livenessProbe: {
    httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
    initialDelaySeconds: 10,
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  },
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  imagePullPolicy: 'IfNotPresent',
});

const condition = (type: string, reason: string, message: string) => ({
  type,
  status: 'True',
  lastUpdateTime: '2026-11-02T10:16:00Z',
  lastTransitionTime: '2026-11-02T10:15:30Z',
  reason,
  message,
});

function deployment(i: number): unknown {
  return {
    metadata: metadata(i, 'Deployment'),
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: `svc-${i % 50}` } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: `svc-${i % 50}`, tier: 'backend' } },
        spec: {
          containers: [container(i)],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 3,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [
        condition('Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
        condition('Progressing', 'NewReplicaSetAvailable', 'ReplicaSet "x" has successfully progressed.'),
      ],
    },
  };
}

export interface ListedPage {
  apiVersion: string;
  kind: string;
  /** The list body as the server sends it. */
  body: Buffer;
  /** Each item's JSON text. */
  texts: string[];
}

/** One list page per kind, `items` items in all. */
export function listedPages(items: number): ListedPage[] {
  const kinds: [string, string, (i: number) => unknown][] = [
    ['v1', 'ConfigMap', configMap],
    ['v1', 'Secret', secret],
    ['apps/v1', 'Deployment', deployment],
  ];
  return kinds.map(([apiVersion, kind, make], k) => {
    const count = Math.floor(items / 3) + (k < items % 3 ? 1 : 0);
    const texts = Array.from({ length: count }, (_, i) => JSON.stringify(make(i)));
    const body = Buffer.from(
      `{"kind":"${kind}List","apiVersion":"${apiVersion}","items":[${texts.join(',')}]}`,
    );
    return { apiVersion, kind, body, texts };
  });
}
