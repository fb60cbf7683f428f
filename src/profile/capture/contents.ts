import { type KubeObject, nullObject } from '../../model/index.ts';
import type { ClusterProfile, CrdInfo, StorageClassInfo, WebhookInfo } from '../schema.ts';
import { toCrd, toWebhooks } from './capture.ts';
import { arr, rec, str, stringMap, type Obj } from './kube-read.ts';
import { toIngressClass, toStorageClass } from './storage.ts';

/** A node-affinity requirement (`key In [a,b]`). */
export interface Requirement {
  key: string;
  operator: string;
  values: string[];
}

export interface Toleration {
  key?: string | undefined;
  operator?: string | undefined;
  value?: string | undefined;
  effect?: string | undefined;
}

/** Where a workload's pods may run. */
export interface Workload {
  kind: string;
  namespace: string;
  name: string;
  nodeSelector: Record<string, string>;
  /** requiredDuringScheduling node-affinity terms (ORed); each term's requirements are ANDed. */
  requiredTerms: Requirement[][];
  tolerations: Toleration[];
  priorityClassName?: string | undefined;
}

/** What a backup holds that matters for a restore target, read from its archive and resource list. */
export interface BackupContents {
  name: string;
  /** `apps/v1/Deployment` → `ns/name` (the backup's resource list). */
  resourceList: Record<string, string[]>;
  /** From velero-backup.json annotations when there is no profile. */
  sourceVersion?: { gitVersion: string; minor: number | undefined } | undefined;
  namespaces: string[];
  crds: CrdInfo[];
  storageClasses: StorageClassInfo[];
  csiDrivers: string[];
  pvcs: { namespace: string; name: string; storageClass: string | undefined }[];
  workloads: Workload[];
  priorityClasses: string[];
  ingressClasses: { name: string; controller: string; isDefault: boolean }[];
  ingresses: { namespace: string; name: string; ingressClassName: string | undefined }[];
  webhooks: WebhookInfo[];
}

export function emptyContents(name: string): BackupContents {
  return {
    name,
    resourceList: nullObject(),
    namespaces: [],
    crds: [],
    storageClasses: [],
    csiDrivers: [],
    pvcs: [],
    workloads: [],
    priorityClasses: [],
    ingressClasses: [],
    ingresses: [],
    webhooks: [],
  };
}

/** Group-resources whose items addItem reads; the rest of the archive is skipped. */
export const CONTENT_RESOURCES = new Set([
  'persistentvolumeclaims',
  'pods',
  'storageclasses.storage.k8s.io',
  'csidrivers.storage.k8s.io',
  'customresourcedefinitions.apiextensions.k8s.io',
  'deployments.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'replicasets.apps',
  'jobs.batch',
  'cronjobs.batch',
  'priorityclasses.scheduling.k8s.io',
  'ingressclasses.networking.k8s.io',
  'ingresses.networking.k8s.io',
  'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  'validatingwebhookconfigurations.admissionregistration.k8s.io',
]);

/** Adds one archive item (classic path) to the contents. */
export function addItem(contents: BackupContents, groupResource: string, item: KubeObject): void {
  const o = item as unknown as Obj;
  const ns = o.metadata.namespace ?? '';
  switch (groupResource) {
    case 'persistentvolumeclaims':
      contents.pvcs.push({ namespace: ns, name: o.metadata.name, storageClass: pvcClass(item) });
      return;
    case 'storageclasses.storage.k8s.io':
      contents.storageClasses.push(toStorageClass(o));
      return;
    case 'csidrivers.storage.k8s.io':
      contents.csiDrivers.push(o.metadata.name);
      return;
    case 'customresourcedefinitions.apiextensions.k8s.io':
      contents.crds.push(toCrd(o));
      return;
    case 'priorityclasses.scheduling.k8s.io':
      contents.priorityClasses.push(o.metadata.name);
      return;
    case 'ingressclasses.networking.k8s.io':
      contents.ingressClasses.push(toIngressClass(o));
      return;
    case 'ingresses.networking.k8s.io':
      contents.ingresses.push({
        namespace: ns,
        name: o.metadata.name,
        ingressClassName:
          str(rec(o.spec)['ingressClassName']) ?? o.metadata.annotations?.['kubernetes.io/ingress.class'],
      });
      return;
    case 'mutatingwebhookconfigurations.admissionregistration.k8s.io':
      contents.webhooks.push(...toWebhooks(o, 'mutating'));
      return;
    case 'validatingwebhookconfigurations.admissionregistration.k8s.io':
      contents.webhooks.push(...toWebhooks(o, 'validating'));
      return;
    default: {
      const w = toWorkload(groupResource, o);
      if (w) contents.workloads.push(w);
    }
  }
}

/** The StorageClass a PVC asks for: spec.storageClassName, else the old beta annotation. */
export function pvcClass(pvc: KubeObject): string | undefined {
  const spec = rec(pvc['spec']);
  if (typeof spec['storageClassName'] === 'string') return spec['storageClassName'];
  return pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
}

/** StorageClasses the PVCs ask for (`""` = none), each with its PVC count and namespaces, by class. */
export function storageClassUsage(
  pvcs: readonly { namespace: string; storageClass: string | undefined }[],
): NonNullable<ClusterProfile['storage']['usedByBackup']> {
  const used = new Map<string, { pvcs: number; namespaces: Set<string> }>();
  for (const pvc of pvcs) {
    const key = pvc.storageClass ?? '';
    let entry = used.get(key);
    if (entry === undefined) used.set(key, (entry = { pvcs: 0, namespaces: new Set() }));
    entry.pvcs++;
    entry.namespaces.add(pvc.namespace);
  }
  return [...used.entries()]
    .map(([storageClass, u]) => ({ storageClass, pvcs: u.pvcs, namespaces: [...u.namespaces].sort() }))
    .sort((a, b) => a.storageClass.localeCompare(b.storageClass));
}

/** The pod template of a top-level workload; pods and ReplicaSets owned by a controller are skipped. */
function toWorkload(groupResource: string, o: Obj): Workload | undefined {
  if (!CONTENT_RESOURCES.has(groupResource)) return undefined;
  if ((o.metadata.ownerReferences ?? []).some((r) => r.controller === true)) return undefined;
  const spec = rec(o.spec);
  const podSpec =
    groupResource === 'pods'
      ? spec
      : groupResource === 'cronjobs.batch'
        ? rec(rec(rec(rec(spec['jobTemplate'])['spec'])['template'])['spec'])
        : rec(rec(spec['template'])['spec']);
  const terms = arr(
    rec(rec(rec(podSpec['affinity'])['nodeAffinity'])['requiredDuringSchedulingIgnoredDuringExecution'])[
      'nodeSelectorTerms'
    ],
  );
  return {
    kind: o.kind ?? groupResource,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    nodeSelector: stringMap(podSpec['nodeSelector']),
    requiredTerms: terms.map((t) =>
      arr(rec(t)['matchExpressions']).map((e) => {
        const r = rec(e);
        return {
          key: str(r['key']) ?? '',
          operator: str(r['operator']) ?? 'In',
          values: arr(r['values']).filter((v): v is string => typeof v === 'string'),
        };
      }),
    ),
    tolerations: arr(podSpec['tolerations']).map((t) => {
      const r = rec(t);
      return {
        key: str(r['key']),
        operator: str(r['operator']),
        value: str(r['value']),
        effect: str(r['effect']),
      };
    }),
    priorityClassName: str(podSpec['priorityClassName']),
  };
}

/** Namespaces of the backup's namespaced items (from the resource list). */
export function namespacesOf(resourceList: Record<string, string[]>): string[] {
  const out = new Set<string>();
  for (const names of Object.values(resourceList))
    for (const n of names) {
      const slash = n.indexOf('/');
      if (slash > 0) out.add(n.slice(0, slash));
    }
  return [...out].sort();
}
