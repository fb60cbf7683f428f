import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../model/index.ts';
import { differences, mergePatchTowards } from './differences.ts';
import { prepareItem, type PrepareContext } from './prepare.ts';
import { prepareContext } from '../testing.ts';
import { volumeEvidence } from './volumes.ts';

function context(overrides: Partial<PrepareContext> = {}): PrepareContext {
  return prepareContext({ serviceAccountsIn: () => new Set(['web']), ...overrides });
}

const rawMeta = {
  uid: 'u-1',
  resourceVersion: '42',
  generation: 3,
  creationTimestamp: '2026-01-01T00:00:00Z',
  selfLink: '/x',
  generateName: 'x-',
  ownerReferences: [{ kind: 'ReplicaSet', name: 'rs' }],
  managedFields: [{ manager: 'kubectl' }],
  finalizers: ['keep.me/too'],
};

describe('prepareItem: Velero’s metadata reset', () => {
  it('drops what the source cluster owned, keeps labels/annotations/finalizers/managedFields, adds restore labels', () => {
    const item: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'app', labels: { a: 'b' }, annotations: { n: 'o' }, ...rawMeta },
      data: { k: 'v' },
      status: { x: 1 },
    };
    const long = 'r'.repeat(70);
    const p = prepareItem(
      item,
      'configmaps',
      'app-copy',
      context({ restoreName: long, namespaceMapping: new Map([['app', 'app-copy']]) }),
    );
    expect(p.object.metadata).toEqual({
      name: 'c',
      namespace: 'app-copy',
      labels: {
        a: 'b',
        'velero.io/backup-name': 'b1',
        'velero.io/restore-name': expect.stringMatching(/^r{57}[0-9a-f]{6}$/) as unknown,
      },
      annotations: { n: 'o' },
      managedFields: [{ manager: 'kubectl' }],
      finalizers: ['keep.me/too'],
    });
    expect(p.object['status']).toBeUndefined();
    expect(p.status).toBeUndefined();
    expect(item.metadata.uid).toBe('u-1'); // the backed-up item is untouched
  });

  it('keeps the status for --restore-status resources, and the annotation overrides', () => {
    const item: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'a' },
      status: { s: 1 },
    };
    expect(prepareItem(item, 'configmaps', 'a', context({ restoresStatus: () => true })).status).toEqual({
      s: 1,
    });
    const off = {
      ...item,
      metadata: { ...item.metadata, annotations: { 'velero.io/restore-status': 'false' } },
    };
    expect(
      prepareItem(off, 'configmaps', 'a', context({ restoresStatus: () => true })).status,
    ).toBeUndefined();
  });

  it('skips completed pods and jobs, mirror pods, SA token secrets and the root CA config map', () => {
    const pod = (phase: string, annotations = {}): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'a', annotations },
      status: { phase },
    });
    expect(prepareItem(pod('Succeeded'), 'pods', 'a', context()).skip?.code).toBe('completed');
    expect(
      prepareItem(pod('Running', { 'kubernetes.io/config.mirror': 'x' }), 'pods', 'a', context()).skip?.code,
    ).toBe('mirror-pod');
    expect(prepareItem(pod('Running'), 'pods', 'a', context()).skip).toBeUndefined();
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', namespace: 'a' },
      status: { completionTime: '2026-01-01T00:00:00Z' },
    };
    expect(prepareItem(job, 'jobs.batch', 'a', context()).skip?.code).toBe('completed');
    const token: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'web-token-abcde', namespace: 'a' },
      type: 'kubernetes.io/service-account-token',
    };
    expect(prepareItem(token, 'secrets', 'a', context()).skip).toMatchObject({ code: 'action' });
    const ca: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: 'a' },
    };
    expect(prepareItem(ca, 'configmaps', 'a', context()).skip?.code).toBe('cluster-managed');
  });
});

describe('built-in restore actions', () => {
  it('pod: unscheduled, no priority, no legacy token volumes; PVCs and PriorityClass come along', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'a' },
      spec: {
        nodeName: 'node-1',
        priority: 1000,
        priorityClassName: 'high',
        serviceAccountName: 'web',
        volumes: [{ name: 'web-token-x1' }, { name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        containers: [{ name: 'c', volumeMounts: [{ name: 'web-token-x1' }, { name: 'data' }] }],
      },
    };
    const p = prepareItem(pod, 'pods', 'a', context());
    const spec = p.object['spec'] as Record<string, unknown>;
    expect(spec['nodeName']).toBe('');
    expect(spec['priority']).toBeUndefined();
    expect(spec['volumes']).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    expect(p.additionalItems).toEqual([
      { groupResource: 'priorityclasses.scheduling.k8s.io', name: 'high' },
      { groupResource: 'persistentvolumeclaims', namespace: 'a', name: 'data' },
    ]);
  });

  it('service: new cluster IP, auto-assigned node ports dropped unless preserved or explicitly applied', () => {
    const svc = (annotations: Record<string, string> = {}): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'a', annotations },
      spec: {
        type: 'NodePort',
        clusterIP: '10.0.0.9',
        clusterIPs: ['10.0.0.9'],
        ports: [{ name: 'http', port: 80, nodePort: 30080 }],
      },
    });
    const spec = (o: KubeObject) => o['spec'] as { clusterIP?: string; ports: { nodePort?: number }[] };
    const dropped = prepareItem(svc(), 'services', 'a', context()).object;
    expect(spec(dropped).clusterIP).toBeUndefined();
    expect(spec(dropped).ports[0]?.nodePort).toBeUndefined();
    expect(
      spec(prepareItem(svc(), 'services', 'a', context({ preserveNodePorts: true })).object).ports[0]
        ?.nodePort,
    ).toBe(30080);
    const applied = svc({
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
        spec: { ports: [{ name: 'http', port: 80, nodePort: 30080 }] },
      }),
    });
    expect(spec(prepareItem(applied, 'services', 'a', context()).object).ports[0]?.nodePort).toBe(30080);
  });

  it('storage-class mapping, PVC binding reset and dynamic provisioning of PVs without data', () => {
    const pvc: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'data',
        namespace: 'a',
        annotations: { 'pv.kubernetes.io/bind-completed': 'yes', keep: 'me' },
      },
      spec: { storageClassName: 'old', volumeName: 'pv-1' },
      status: { phase: 'Bound' },
    };
    const ctx = context({
      storageClassMapping: new Map([['old', 'new']]),
      pvsToProvision: new Set(['pv-1']),
    });
    const p = prepareItem(pvc, 'persistentvolumeclaims', 'a', ctx);
    expect(p.object['spec']).toEqual({ storageClassName: 'new' });
    expect(p.object.metadata.annotations).toEqual({ keep: 'me' });
    expect(p.additionalItems).toEqual([{ groupResource: 'persistentvolumes', name: 'pv-1' }]);

    const pv = (policy: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-1' },
      spec: { persistentVolumeReclaimPolicy: policy, claimRef: { namespace: 'a', name: 'data', uid: 'u' } },
    });
    expect(prepareItem(pv('Delete'), 'persistentvolumes', undefined, context()).skip?.code).toBe(
      'provisioned',
    );
    const kept = prepareItem(
      pv('Retain'),
      'persistentvolumes',
      undefined,
      context({ namespaceMapping: new Map([['a', 'b']]) }),
    );
    expect((kept.object['spec'] as { claimRef: unknown }).claimRef).toEqual({ namespace: 'b', name: 'data' });
    const fsb = volumeEvidence({ volumeInfo: [{ pvName: 'pv-1', backupMethod: 'PodVolumeBackup' }] });
    expect(
      prepareItem(pv('Retain'), 'persistentvolumes', undefined, context({ volumes: fsb })).skip?.code,
    ).toBe('provisioned');
    // A Velero backup without volume info: the PodVolumeBackup's pvc-name annotation names the claim.
    const pvbClaim = volumeEvidence({ podVolumeClaims: new Set(['a/data']) });
    expect(
      prepareItem(pv('Retain'), 'persistentvolumes', undefined, context({ volumes: pvbClaim })).skip?.code,
    ).toBe('provisioned');
  });

  it('pods get restore-wait from the restore when their volumes have pod volume backups', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db-0', namespace: 'a' },
      spec: { containers: [{ name: 'db' }], volumes: [{ name: 'data', emptyDir: {} }] },
    };
    const seen: string[] = [];
    const ctx = context({
      namespaceMapping: new Map([['a', 'b']]),
      podVolumeRestore: (item, fromBackup) => {
        seen.push(`${fromBackup.metadata.namespace ?? ''}/${item.metadata.name}`);
        const spec = item['spec'] as Record<string, unknown>;
        return { ...item, spec: { ...spec, initContainers: [{ name: 'restore-wait' }] } };
      },
    });
    const p = prepareItem(pod, 'pods', 'b', ctx);
    expect(seen).toEqual(['a/db-0']);
    expect(p.object.metadata.namespace).toBe('b');
    expect((p.object['spec'] as { initContainers: unknown }).initContainers).toEqual([
      { name: 'restore-wait' },
    ]);
    expect(pod['spec']).not.toHaveProperty('initContainers');
    expect(prepareItem(pod, 'pods', 'a', context()).object['spec']).not.toHaveProperty('initContainers');
  });

  it('role bindings follow the namespace mapping; job controller-uid labels go', () => {
    const rb: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb', namespace: 'a' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'a' }],
    };
    const p = prepareItem(
      rb,
      'rolebindings.rbac.authorization.k8s.io',
      'b',
      context({ namespaceMapping: new Map([['a', 'b']]) }),
    );
    expect(p.object['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'web', namespace: 'b' }]);
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', namespace: 'a' },
      spec: {
        selector: { matchLabels: { 'controller-uid': 'x', app: 'j' } },
        template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'x', app: 'j' } } },
      },
    };
    const spec = prepareItem(job, 'jobs.batch', 'a', context()).object['spec'];
    expect(spec).toEqual({
      selector: { matchLabels: { app: 'j' } },
      template: { metadata: { labels: { app: 'j' } } },
    });
  });
});

describe('comparison with the cluster', () => {
  const desired: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', namespace: 'a', labels: { app: 'x', 'velero.io/restore-name': 'r1' } },
    spec: { ports: [{ port: 80 }], selector: { app: 'x' } },
  };
  it('ignores server-added fields and the restore labels, but sees changed or missing ones', () => {
    const cluster: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'a', uid: 'z', labels: { app: 'x', 'velero.io/restore-name': 'r0' } },
      spec: {
        ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }],
        selector: { app: 'x' },
        clusterIP: '10.1.1.1',
      },
      status: {},
    };
    expect(differences(desired, cluster)).toEqual([]);
    const changed = { ...cluster, spec: { ...(cluster['spec'] as object), selector: { app: 'y' } } };
    expect(differences(desired, changed)).toEqual(['.spec.selector.app: differs']);
    expect(mergePatchTowards(desired, changed)).toEqual({
      metadata: { labels: { 'velero.io/restore-name': 'r1' } },
      spec: { selector: { app: 'x' } },
    });
  });
});
