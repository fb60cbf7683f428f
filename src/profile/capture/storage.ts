import type { ClusterProfile, StorageClassInfo } from '../schema.ts';
import { arr, rec, str, stringMap, type Obj, type ProfileReader } from './kube-read.ts';
import { Reads } from './reads.ts';
import { nullObject } from '../../model/index.ts';

const DEFAULT_SC = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

export function toStorageClass(sc: Obj): StorageClassInfo {
  const a = sc.metadata.annotations ?? {};
  return {
    name: sc.metadata.name,
    provisioner: str(sc['provisioner']) ?? '',
    isDefault: DEFAULT_SC.some((k) => a[k] === 'true'),
    parameters: stringMap(sc['parameters']),
    reclaimPolicy: str(sc['reclaimPolicy']),
    volumeBindingMode: str(sc['volumeBindingMode']),
    allowVolumeExpansion:
      typeof sc['allowVolumeExpansion'] === 'boolean' ? sc['allowVolumeExpansion'] : undefined,
  };
}

export async function captureStorage(reader: ProfileReader): Promise<ClusterProfile['storage']> {
  const classes = await reader.list(Reads.storageClasses);
  const drivers = await reader.list(Reads.csiDrivers);
  const snapshotClasses = await reader.list(Reads.volumeSnapshotClasses);
  return {
    storageClasses: classes.map(toStorageClass).sort(byName),
    csiDrivers: drivers
      .map((d) => ({
        name: d.metadata.name,
        attachRequired:
          typeof rec(d.spec)['attachRequired'] === 'boolean'
            ? (rec(d.spec)['attachRequired'] as boolean)
            : undefined,
        fsGroupPolicy: str(rec(d.spec)['fsGroupPolicy']),
      }))
      .sort(byName),
    volumeSnapshotClasses: snapshotClasses
      .map((c) => ({
        name: c.metadata.name,
        driver: str(c['driver']) ?? '',
        deletionPolicy: str(c['deletionPolicy']),
      }))
      .sort(byName),
  };
}

export function toIngressClass(c: Obj): ClusterProfile['ingress']['classes'][number] {
  return {
    name: c.metadata.name,
    controller: str(rec(c.spec)['controller']) ?? '',
    isDefault: c.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true',
  };
}

/**
 * IngressClasses, and the LoadBalancer Services read from the cluster — or, with `services` given
 * (a backup, which sees every Service it stores), from those.
 */
export async function captureIngress(
  reader: ProfileReader,
  services?: readonly LoadBalancerService[],
): Promise<ClusterProfile['ingress']> {
  const classes = await reader.list(Reads.ingressClasses);
  return {
    classes: classes.map(toIngressClass).sort(byName),
    loadBalancerServices:
      services !== undefined
        ? [...services]
        : (await reader.list(Reads.services)).flatMap((s) => loadBalancerService(s) ?? []),
  };
}

export type LoadBalancerService = ClusterProfile['ingress']['loadBalancerServices'][number];

/** A Service of type LoadBalancer as the profile records it; undefined for other Services. */
export function loadBalancerService(s: Obj): LoadBalancerService | undefined {
  if (rec(s.spec)['type'] !== 'LoadBalancer') return undefined;
  return {
    namespace: s.metadata.namespace ?? '',
    name: s.metadata.name,
    loadBalancerClass: str(rec(s.spec)['loadBalancerClass']),
    addresses: arr(rec(rec(s.status)['loadBalancer'])['ingress'])
      .map((i) => str(rec(i)['ip']) ?? str(rec(i)['hostname']))
      .filter((v): v is string => v !== undefined),
  };
}

/** Azure Arc linkage (spec §4.6): the Arc resource the cluster is registered as. */
export async function captureArc(reader: ProfileReader): Promise<Record<string, string> | undefined> {
  const cm = await reader.get(Reads.arcConfig);
  if (cm?.data === undefined) return undefined;
  const keep = /^AZURE_(RESOURCE_NAME|RESOURCE_GROUP|SUBSCRIPTION_ID|REGION|TENANT_ID)$/;
  const out = nullObject<string>();
  for (const [k, v] of Object.entries(cm.data)) if (keep.test(k)) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

export function byName<T extends { name: string }>(a: T, b: T): number {
  return compareText(a.name, b.name);
}

/**
 * Code-unit order: the same on every machine (a locale's collation is not), and no ICU collator to
 * build on first use (~7 ms, once per process).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
