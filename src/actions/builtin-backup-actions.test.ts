import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../model/index.ts';
import { podAction, pvcAction, serviceAccountAction } from './builtin-backup-actions.ts';

const noLookups = { listAll: () => Promise.resolve([]) };

describe('built-in backup item actions', () => {
  it('pod → PVCs, PriorityClass and ServiceAccount', async () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: 'app' },
      spec: {
        priorityClassName: 'high',
        serviceAccountName: 'web',
        volumes: [{ persistentVolumeClaim: { claimName: 'data' } }, { emptyDir: {} }],
      },
    };
    const { additionalItems } = await podAction.execute(pod, noLookups);
    expect(additionalItems).toEqual([
      { groupResource: 'priorityclasses.scheduling.k8s.io', name: 'high' },
      { groupResource: 'persistentvolumeclaims', namespace: 'app', name: 'data' },
      { groupResource: 'serviceaccounts', namespace: 'app', name: 'web' },
    ]);
  });

  it('bound PVC → its PV, with data source, selector and velero labels dropped', async () => {
    const pvc: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'app', labels: { 'velero.io/restore-name': 'r1', app: 'db' } },
      spec: {
        volumeName: 'pv-1',
        storageClassName: 'fast',
        selector: { matchLabels: { a: 'b' } },
        dataSource: { kind: 'X' },
      },
      status: { phase: 'Bound' },
    };
    const { item, additionalItems } = await pvcAction.execute(pvc, noLookups);
    expect(additionalItems).toEqual([{ groupResource: 'persistentvolumes', name: 'pv-1' }]);
    expect(item.metadata.labels).toEqual({ app: 'db' });
    expect(item['spec']).toEqual({ volumeName: 'pv-1', storageClassName: 'fast' });
    const pending = await pvcAction.execute({ ...pvc, status: { phase: 'Pending' } }, noLookups);
    expect(pending.additionalItems).toEqual([]);
    expect(pending.item['spec']).toEqual(pvc['spec']);
  });

  it('ServiceAccount → ClusterRoleBindings and RoleBindings naming it, with their roles', async () => {
    const crbs: KubeObject[] = [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'web-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'app' }],
        roleRef: { kind: 'ClusterRole', name: 'reader' },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'other' },
        subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'elsewhere' }],
        roleRef: { kind: 'ClusterRole', name: 'admin' },
      },
    ];
    const rbs: KubeObject[] = [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'web-edit', namespace: 'app' },
        subjects: [{ kind: 'ServiceAccount', name: 'web' }],
        roleRef: { kind: 'Role', name: 'editor' },
      },
    ];
    const context = {
      listAll: (gr: string) =>
        Promise.resolve(
          gr.startsWith('clusterrolebindings') ? crbs : gr.startsWith('rolebindings') ? rbs : [],
        ),
    };
    const sa: KubeObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'web', namespace: 'app' },
    };
    const { additionalItems } = await serviceAccountAction.execute(sa, context);
    expect(additionalItems).toEqual([
      { groupResource: 'clusterrolebindings.rbac.authorization.k8s.io', name: 'web-reader' },
      { groupResource: 'clusterroles.rbac.authorization.k8s.io', name: 'reader' },
      { groupResource: 'rolebindings.rbac.authorization.k8s.io', namespace: 'app', name: 'web-edit' },
      { groupResource: 'roles.rbac.authorization.k8s.io', namespace: 'app', name: 'editor' },
    ]);
  });
});
