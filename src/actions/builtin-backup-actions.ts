import { type KubeObject, type KubeObjectMeta, nullObject } from '../model/index.ts';
import type { BackupItemAction, ItemRef } from './backup-action.ts';

interface PodSpec {
  volumes?: { persistentVolumeClaim?: { claimName?: string } }[];
  priorityClassName?: string;
  serviceAccountName?: string;
}
interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}
interface Binding extends KubeObject {
  subjects?: Subject[];
  roleRef?: { kind?: string; name?: string };
}

/** Pod → its PVCs, PriorityClass and ServiceAccount (Velero's velero.io/pod, plus the SA). */
export const podAction: BackupItemAction = {
  name: 'velero.io/pod',
  appliesTo: ['pods'],
  pullsIn: ['priorityclasses.scheduling.k8s.io', 'persistentvolumeclaims', 'serviceaccounts'],
  changesItem: false,
  execute(item) {
    const spec = (item['spec'] ?? {}) as PodSpec;
    const ns = item.metadata.namespace;
    const additionalItems: ItemRef[] = [];
    if (spec.priorityClassName) {
      additionalItems.push({
        groupResource: 'priorityclasses.scheduling.k8s.io',
        name: spec.priorityClassName,
      });
    }
    for (const v of spec.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim)
        additionalItems.push({ groupResource: 'persistentvolumeclaims', namespace: ns, name: claim });
    }
    if (spec.serviceAccountName) {
      additionalItems.push({
        groupResource: 'serviceaccounts',
        namespace: ns,
        name: spec.serviceAccountName,
      });
    }
    return Promise.resolve({ item, additionalItems });
  },
};

const LABELS_DROPPED_FROM_PVC = [
  'velero.io/restore-name',
  'backup.velero.io/must-include-additional-items',
  'velero.io/volume-snapshot-name',
];

/**
 * Bound PVC → its PV (Velero's velero.io/pv). Like Velero, the stored PVC loses its data source
 * and, unless it opts out of dynamic provisioning (storageClassName ""), its selector, so that a
 * restore can bind or provision it afresh.
 */
export const pvcAction: BackupItemAction = {
  name: 'velero.io/pv',
  appliesTo: ['persistentvolumeclaims'],
  pullsIn: ['persistentvolumes'],
  changesItem: true,
  execute(item) {
    const spec = (item['spec'] ?? {}) as {
      volumeName?: string;
      storageClassName?: string;
      selector?: unknown;
    };
    const status = (item['status'] ?? {}) as { phase?: string };
    if (status.phase !== 'Bound' || !spec.volumeName) return Promise.resolve({ item, additionalItems: [] });
    const newSpec = nullObject(item['spec'] as Record<string, unknown>);
    delete newSpec['dataSource'];
    delete newSpec['dataSourceRef'];
    if (spec.storageClassName !== '') delete newSpec['selector'];
    const labels = nullObject(item.metadata.labels);
    for (const key of LABELS_DROPPED_FROM_PVC) delete labels[key];
    const metadata: KubeObjectMeta = { ...item.metadata, labels };
    if (Object.keys(labels).length === 0) delete metadata.labels;
    return Promise.resolve({
      item: { ...item, metadata, spec: newSpec },
      additionalItems: [{ groupResource: 'persistentvolumes', name: spec.volumeName }],
    });
  },
};

/** Bindings of a cluster indexed by the ServiceAccounts they name ("ns/name"), built once per list. */
const bySubject = new WeakMap<readonly KubeObject[], Map<string, Binding[]>>();

function bindingsNaming(list: readonly KubeObject[], account: string): Binding[] {
  let index = bySubject.get(list);
  if (index === undefined) {
    index = new Map();
    for (const binding of list as readonly Binding[]) {
      for (const s of binding.subjects ?? []) {
        if (s.kind !== 'ServiceAccount' || !s.name) continue;
        // A RoleBinding's subject without a namespace means the binding's own namespace.
        const key = `${s.namespace ?? binding.metadata.namespace ?? ''}/${s.name}`;
        const entry = index.get(key) ?? [];
        if (!entry.includes(binding)) entry.push(binding);
        index.set(key, entry);
      }
    }
    bySubject.set(list, index);
  }
  return index.get(account) ?? [];
}

/**
 * ServiceAccount → the ClusterRoleBindings naming it and their ClusterRoles (Velero's
 * velero.io/service-account), and the RoleBindings of its namespace naming it, with their Roles.
 */
export const serviceAccountAction: BackupItemAction = {
  name: 'velero.io/service-account',
  appliesTo: ['serviceaccounts'],
  pullsIn: [
    'clusterrolebindings.rbac.authorization.k8s.io',
    'clusterroles.rbac.authorization.k8s.io',
    'rolebindings.rbac.authorization.k8s.io',
    'roles.rbac.authorization.k8s.io',
  ],
  changesItem: false,
  async execute(item, context) {
    const ns = item.metadata.namespace ?? '';
    const account = `${ns}/${item.metadata.name}`;
    const additionalItems: ItemRef[] = [];
    const crbs = await context.listAll('clusterrolebindings.rbac.authorization.k8s.io');
    for (const crb of bindingsNaming(crbs, account)) {
      additionalItems.push({
        groupResource: 'clusterrolebindings.rbac.authorization.k8s.io',
        name: crb.metadata.name,
      });
      if (crb.roleRef?.kind === 'ClusterRole' && crb.roleRef.name) {
        additionalItems.push({
          groupResource: 'clusterroles.rbac.authorization.k8s.io',
          name: crb.roleRef.name,
        });
      }
    }
    const rbs = await context.listAll('rolebindings.rbac.authorization.k8s.io');
    for (const rb of bindingsNaming(rbs, account)) {
      if (rb.metadata.namespace !== ns) continue;
      additionalItems.push({
        groupResource: 'rolebindings.rbac.authorization.k8s.io',
        namespace: ns,
        name: rb.metadata.name,
      });
      if (rb.roleRef?.kind === 'Role' && rb.roleRef.name) {
        additionalItems.push({
          groupResource: 'roles.rbac.authorization.k8s.io',
          namespace: ns,
          name: rb.roleRef.name,
        });
      } else if (rb.roleRef?.kind === 'ClusterRole' && rb.roleRef.name) {
        additionalItems.push({
          groupResource: 'clusterroles.rbac.authorization.k8s.io',
          name: rb.roleRef.name,
        });
      }
    }
    return { item, additionalItems };
  },
};

/** The built-in backup item actions, by registered name. */
export const builtinBackupActions: readonly BackupItemAction[] = [podAction, pvcAction, serviceAccountAction];
