import type { ClusterProfile } from '../schema.ts';
import type { BackupContents } from '../capture/index.ts';
import { diffProfiles } from './drift.ts';
import { finding, type Finding } from './findings.ts';
import { workloadFindings } from './scheduling.ts';
import { own } from '../../model/index.ts';
import { listSome, sortFindings } from '../../results/index.ts';
import { isNeverRestoredKind } from '../../selection/index.ts';

/** Objects of one resource in a target namespace that a restore would find already there. */
export interface Collision {
  namespace: string;
  /** `deployments.apps`, `configmaps`. */
  resource: string;
  names: string[];
}

export interface StandbyCheckInput {
  contents: BackupContents;
  /** The backup's profile; undefined for backups made without one (Velero). */
  source: ClusterProfile | undefined;
  /** The standby's live profile. */
  target: ClusterProfile;
  storageClassMappings: Record<string, string>;
  collisions: readonly Collision[];
}

const OVERLAPPING = new Set([
  'NO_DEFAULT_STORAGE_CLASS',
  'INGRESS_CLASS_MISSING',
  'K8S_VERSION_OLDER',
  'NO_NODES',
]);

/**
 * Pure standby check: the profile comparison (when the backup has a profile) plus what the backup's
 * own objects need from the target — served API versions, storage classes and drivers, free names,
 * nodes they can schedule on, priority and ingress classes.
 */
export function checkStandby(input: StandbyCheckInput): Finding[] {
  const { contents, source, target } = input;
  const out: Finding[] = [];
  out.push(...apiFindings(contents, target, source === undefined), ...storageFindings(input));
  if (input.collisions.length > 0) {
    const total = input.collisions.reduce((n, c) => n + c.names.length, 0);
    const namespaces = [...new Set(input.collisions.map((c) => c.namespace))];
    out.push(
      finding(
        'blocking',
        'NAMESPACE_COLLISION',
        `${total} object(s) of the backup already exist in the target, in namespace(s) ${listSome(namespaces)}: ${listSome(
          input.collisions.map((c) => `${c.namespace}/${c.resource}: ${listSome(c.names, 3)}`),
          3,
        )}`,
        'a restore keeps them unchanged: delete them, restore into other namespaces with --namespace-mappings old:new, or overwrite with --existing-resource-policy update',
      ),
    );
  }
  out.push(...workloadFindings(contents, target));
  // Where the backup's own needs and the profile comparison say the same thing, the former is more precise.
  const precise = new Set(out.map((f) => f.code));
  const general = source ? diffProfiles(source, target) : [missingProfile(contents, target)];
  return sortFindings(
    dedupe([...general.filter((f) => !OVERLAPPING.has(f.code) || !precise.has(f.code)), ...out]),
  );
}

function missingProfile(contents: BackupContents, target: ClusterProfile): ReturnType<typeof finding> {
  const v = contents.sourceVersion;
  return finding(
    'info',
    'PROFILE_MISSING',
    `backup ${contents.name} has no cluster profile (made by Velero or without one): control plane, node pools, network and webhooks were not compared${v ? `; source Kubernetes ${v.gitVersion} (from velero-backup.json)` : ''}`,
    `compare the standby by hand with the source's configuration; lifeboat backups store it (lifeboat profile show --from-backup <name>)${target.metadata.platform === 'aks-hci' ? '; for AKS-HCI keep Get-AksHciConfig/Get-AksHciCluster exports' : ''}`,
  );
}

function apiFindings(contents: BackupContents, target: ClusterProfile, checkVersion: boolean): Finding[] {
  const out: Finding[] = [];
  const v = contents.sourceVersion;
  if (
    checkVersion &&
    v?.minor !== undefined &&
    target.kubernetes.minor !== undefined &&
    target.kubernetes.minor < v.minor
  )
    out.push(
      finding(
        'blocking',
        'K8S_VERSION_OLDER',
        `the target runs Kubernetes ${target.kubernetes.gitVersion}, older than the backup's source ${v.gitVersion}`,
        `create the standby with Kubernetes 1.${v.minor} or newer`,
      ),
    );
  const served = new Set(target.kubernetes.kinds);
  const fromCrds = new Set(
    contents.crds.flatMap((c) =>
      c.versions.filter((x) => x.served).map((x) => `${c.group}/${x.name}/${c.kind}`),
    ),
  );
  const unserved = Object.entries(contents.resourceList).filter(
    ([key, names]) => names.length > 0 && !served.has(key) && !fromCrds.has(key) && !isNeverRestoredKind(key),
  );
  for (const [key, names] of unserved) {
    const apiVersion = key.slice(0, key.lastIndexOf('/'));
    out.push(
      finding(
        'blocking',
        'API_NOT_SERVED',
        `${names.length} object(s) of ${key} in the backup (${listSome(names, 3)}): the target does not serve ${apiVersion} and the backup has no CRD for it`,
        `install what provides ${apiVersion} on the standby (its CRDs/operator, or a Kubernetes version that still serves it), or leave these objects out of the restore with --exclude-resources`,
      ),
    );
  }
  return out;
}

function storageFindings(input: StandbyCheckInput): Finding[] {
  const { contents, target, storageClassMappings } = input;
  const out: Finding[] = [];
  const tClasses = new Map(target.storage.storageClasses.map((c) => [c.name, c]));
  const tDrivers = new Set(target.storage.csiDrivers.map((d) => d.name));
  const backupClasses = new Map(contents.storageClasses.map((c) => [c.name, c]));
  const needed = new Map<string, string[]>();
  let classless = 0;
  for (const pvc of contents.pvcs) {
    if (pvc.storageClass === undefined) {
      classless++;
      continue;
    }
    if (pvc.storageClass === '') continue; // statically bound: no class needed
    const mapped = own(storageClassMappings, pvc.storageClass) ?? pvc.storageClass;
    needed.set(mapped, [...(needed.get(mapped) ?? []), `${pvc.namespace}/${pvc.name}`]);
  }
  const available = [...tClasses.keys()].join(', ') || 'none';
  for (const [sc, pvcs] of needed) {
    const inTarget = tClasses.get(sc);
    const inBackup = backupClasses.get(sc);
    const provisioner = inTarget?.provisioner ?? inBackup?.provisioner;
    const what = `StorageClass ${sc} (used by ${pvcs.length} PVC(s): ${listSome(pvcs, 3)})`;
    if (!inTarget && !inBackup) {
      out.push(
        finding(
          'blocking',
          'STORAGE_CLASS_MISSING',
          `${what} does not exist in the target and is not in the backup`,
          `create StorageClass ${sc} on the standby, or map it to an existing class with --storage-class-mappings ${sc}:<class> (standby classes: ${available})`,
        ),
      );
      continue;
    }
    if (provisioner && isCsi(provisioner) && !tDrivers.has(provisioner)) {
      out.push(
        finding(
          'blocking',
          'CSI_DRIVER_MISSING',
          `${what} needs the CSI driver ${provisioner}, which the target does not have`,
          provisioner.endsWith('.csi.akshci.com')
            ? `install it: ${provisioner.startsWith('smb.') ? 'Install-AksHciCsiSmb' : provisioner.startsWith('nfs.') ? 'Install-AksHciCsiNfs' : 'the AKS-HCI disk driver is built in: check the cluster'} -clusterName <cluster>; or map the class with --storage-class-mappings ${sc}:<class>`
            : `install the ${provisioner} CSI driver on the standby, or map the class with --storage-class-mappings ${sc}:<class>`,
        ),
      );
      continue;
    }
    if (!inTarget)
      out.push(
        finding(
          'warning',
          'STORAGE_CLASS_FROM_BACKUP',
          `${what} is not in the target; the restore recreates it from the backup with the source's parameters`,
          provisioner?.endsWith('.csi.akshci.com')
            ? `AKS-HCI classes name the old cloud agent (parameters group/hostname): create ${sc} on the standby from 'kubectl get storageclass default -o yaml' first`
            : `check its parameters fit the standby, or create ${sc} there before the restore`,
        ),
      );
  }
  if (classless > 0 && !target.storage.storageClasses.some((c) => c.isDefault))
    out.push(
      finding(
        'warning',
        'NO_DEFAULT_STORAGE_CLASS',
        `${classless} PVC(s) of the backup name no StorageClass and the target has no default one`,
        'mark a default StorageClass on the standby (annotation storageclass.kubernetes.io/is-default-class=true)',
      ),
    );
  return out;
}

function isCsi(provisioner: string): boolean {
  return !provisioner.startsWith('kubernetes.io/') && provisioner.includes('.');
}

/** One finding per code and message. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
