import type { ApiResource } from '../../kube/index.ts';
import { nullObject } from '../../model/index.ts';
import { compareGoStrings } from '../../gojson/index.ts';

/**
 * Velero's default restore order (pkg/cmd/server/config/config.go, spec/velero-format.md §5.3): the
 * high-priority list, then every other resource of the backup alphabetically, then the low list.
 * Names are as Velero writes them; they are resolved to `resource.group` before use.
 */
export const DEFAULT_HIGH_PRIORITIES: readonly string[] = [
  'customresourcedefinitions',
  'namespaces',
  'storageclasses',
  'volumesnapshotclass.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
  'volumesnapshots.snapshot.storage.k8s.io',
  'datauploads.velero.io',
  'persistentvolumes',
  'persistentvolumeclaims',
  'clusterroles',
  'roles',
  'serviceaccounts',
  'clusterrolebindings',
  'rolebindings',
  'secrets',
  'configmaps',
  'limitranges',
  'priorityclasses',
  'pods',
  'replicasets.apps',
  'clusterclasses.cluster.x-k8s.io',
  'endpoints',
  'services',
];

export const DEFAULT_LOW_PRIORITIES: readonly string[] = [
  'clusterbootstraps.run.tanzu.vmware.com',
  'clusters.cluster.x-k8s.io',
  'clusterresourcesets.addons.cluster.x-k8s.io',
  'apps.kappctrl.k14s.io',
  'packageinstalls.packaging.carvel.dev',
];

export const CRD_RESOURCE = 'customresourcedefinitions.apiextensions.k8s.io';

/** How Kubernetes' discovery resolves the bare or singular names of the lists, when the target does not say. */
const WELL_KNOWN: Readonly<Record<string, string>> = nullObject({
  customresourcedefinitions: CRD_RESOURCE,
  storageclasses: 'storageclasses.storage.k8s.io',
  'volumesnapshotclass.snapshot.storage.k8s.io': 'volumesnapshotclasses.snapshot.storage.k8s.io',
  clusterroles: 'clusterroles.rbac.authorization.k8s.io',
  roles: 'roles.rbac.authorization.k8s.io',
  clusterrolebindings: 'clusterrolebindings.rbac.authorization.k8s.io',
  rolebindings: 'rolebindings.rbac.authorization.k8s.io',
  priorityclasses: 'priorityclasses.scheduling.k8s.io',
});

export type PriorityTier = 'crds' | 'high' | 'default' | 'low';

export interface OrderedResource {
  groupResource: string;
  tier: PriorityTier;
}

/**
 * Resolves a priority-list name (plural or singular, with or without group) the way Velero's
 * discovery helper does: through what the target serves, else a well-known table, else verbatim.
 */
export function resolvePriorityName(name: string, served: readonly ApiResource[]): string {
  const dot = name.indexOf('.');
  const base = dot === -1 ? name : name.slice(0, dot);
  const group = dot === -1 ? undefined : name.slice(dot + 1);
  const match = served.find(
    (r) => (group === undefined || r.group === group) && (r.resource === base || r.singular === base),
  );
  if (match) return match.groupResource;
  return WELL_KNOWN[name] ?? name;
}

/**
 * The resources of a backup in restore order: CRDs, the high list, the rest alphabetically (Go
 * string order), the low list. Each resource appears once, at its first position.
 */
export function orderBackupResources(
  backupResources: readonly string[],
  served: readonly ApiResource[],
  priorities: { high: readonly string[]; low: readonly string[] } = {
    high: DEFAULT_HIGH_PRIORITIES,
    low: DEFAULT_LOW_PRIORITIES,
  },
): OrderedResource[] {
  const present = new Set(backupResources);
  const seen = new Set<string>();
  const out: OrderedResource[] = [];
  const add = (groupResource: string, tier: PriorityTier) => {
    if (!present.has(groupResource) || seen.has(groupResource)) return;
    seen.add(groupResource);
    out.push({ groupResource, tier });
  };
  add(CRD_RESOURCE, 'crds');
  const low = priorities.low.map((n) => resolvePriorityName(n, served));
  for (const name of priorities.high) add(resolvePriorityName(name, served), 'high');
  const lowSet = new Set(low);
  const rest = [...present].filter((r) => !seen.has(r) && !lowSet.has(r)).sort(compareGoStrings);
  for (const r of rest) add(r, 'default');
  for (const r of low) add(r, 'low');
  return out;
}
