import type { KubeObject } from '../../model/index.ts';
import { child, str } from '../../actions/index.ts';

/**
 * What the backup says about volume data (spec/velero-format.md §5.6): `<b>-volumeinfo.json.gz`
 * when present, else the older sidecars. lifeboat moves no volume data, so a PV whose data was
 * backed up by a snapshot or a file-system backup is re-provisioned dynamically (as Velero does
 * for file-system and CSI backups) and one with a native snapshot is restored as-is, with a warning.
 */
export interface VolumeEvidence {
  /** pvName → backupMethod from volume info (`NativeSnapshot`, `PodVolumeBackup`, `CSISnapshot`, ""). */
  methodByPv: ReadonlyMap<string, string>;
  /** PVs with a native snapshot in `-volumesnapshots.json.gz` (older backups). */
  nativeSnapshots: ReadonlySet<string>;
  /** `namespace/pvc` of PVCs with a CSI VolumeSnapshot in `-csi-volumesnapshots.json.gz` (v1.4–v1.16). */
  csiSnapshotClaims: ReadonlySet<string>;
  /** `namespace/pvc` of PVCs whose data a pod volume backup holds (`-podvolumebackups.json.gz`). */
  podVolumeClaims: ReadonlySet<string>;
}

export const NO_VOLUME_EVIDENCE: VolumeEvidence = {
  methodByPv: new Map(),
  nativeSnapshots: new Set(),
  csiSnapshotClaims: new Set(),
  podVolumeClaims: new Set(),
};

export type PvDecision = { kind: 'restore'; warning?: string } | { kind: 'provision'; reason: string };

/** Whether a backed-up PV is created as-is or left to dynamic provisioning (its PVC loses volumeName). */
export function decidePv(pv: KubeObject, evidence: VolumeEvidence): PvDecision {
  const name = pv.metadata.name;
  const reclaimDelete = str(child(pv, 'spec'), 'persistentVolumeReclaimPolicy') === 'Delete';
  const method = evidence.methodByPv.get(name);
  const claim = child(child(pv, 'spec'), 'claimRef');
  const claimKey = `${str(claim, 'namespace') ?? ''}/${str(claim, 'name') ?? ''}`;
  const native = method === 'NativeSnapshot' || (method === undefined && evidence.nativeSnapshots.has(name));
  if (native) {
    return {
      kind: 'restore',
      warning: `persistent volume ${name} has a native snapshot; lifeboat restores the PV object as-is but not the snapshot data`,
    };
  }
  if (method === 'PodVolumeBackup' || method === 'CSISnapshot') {
    return {
      kind: 'provision',
      reason: `its data was backed up by ${method}: the PV is provisioned dynamically`,
    };
  }
  if (method === undefined && evidence.podVolumeClaims.has(claimKey)) {
    return {
      kind: 'provision',
      reason:
        'its claim has a pod volume backup: the PV is provisioned dynamically and the data restored into it',
    };
  }
  if (method === undefined && evidence.csiSnapshotClaims.has(claimKey)) {
    return {
      kind: 'provision',
      reason: 'its claim has a CSI VolumeSnapshot: the PV is provisioned dynamically',
    };
  }
  if (reclaimDelete) {
    return {
      kind: 'provision',
      reason: 'no snapshot and reclaim policy Delete: the PV is provisioned dynamically',
    };
  }
  return { kind: 'restore' };
}

/** Reads the optional volume sidecars (already decoded JSON) into evidence. */
export function volumeEvidence(sidecars: {
  volumeInfo?: unknown;
  volumeSnapshots?: unknown;
  csiVolumeSnapshots?: unknown;
  /** From the pod volume backups, already checked (app/ reads them). */
  podVolumeClaims?: ReadonlySet<string>;
}): VolumeEvidence {
  const methodByPv = new Map<string, string>();
  for (const info of Array.isArray(sidecars.volumeInfo) ? sidecars.volumeInfo : []) {
    const pv = str(info, 'pvName');
    if (pv) methodByPv.set(pv, str(info, 'backupMethod') ?? '');
  }
  const nativeSnapshots = new Set<string>();
  for (const snap of Array.isArray(sidecars.volumeSnapshots) ? sidecars.volumeSnapshots : []) {
    const pv = str(child(snap, 'spec'), 'persistentVolumeName');
    if (pv) nativeSnapshots.add(pv);
  }
  const csiSnapshotClaims = new Set<string>();
  for (const vs of Array.isArray(sidecars.csiVolumeSnapshots) ? sidecars.csiVolumeSnapshots : []) {
    const pvc = str(child(child(vs, 'spec'), 'source'), 'persistentVolumeClaimName');
    const ns = str(child(vs, 'metadata'), 'namespace');
    if (pvc && ns) csiSnapshotClaims.add(`${ns}/${pvc}`);
  }
  return {
    methodByPv,
    nativeSnapshots,
    csiSnapshotClaims,
    podVolumeClaims: sidecars.podVolumeClaims ?? new Set(),
  };
}

/** Velero's resetVolumeBindingInfo, for a PV restored as-is: claimRef uid/resourceVersion and binding annotations go. */
export function resetVolumeBindingInfo(object: KubeObject): void {
  const claimRef = child(child(object, 'spec'), 'claimRef');
  if (claimRef) {
    delete claimRef['uid'];
    delete claimRef['resourceVersion'];
  }
  const annotations = object.metadata.annotations;
  if (annotations) {
    delete annotations['pv.kubernetes.io/bind-completed'];
    delete annotations['pv.kubernetes.io/bound-by-controller'];
  }
}

/** A PV's claimRef.namespace follows the namespace mapping. */
export function remapClaimRef(object: KubeObject, mapping: ReadonlyMap<string, string>): void {
  const claimRef = child(child(object, 'spec'), 'claimRef');
  const ns = str(claimRef, 'namespace');
  const mapped = ns === undefined ? undefined : mapping.get(ns);
  if (claimRef && mapped !== undefined) claimRef['namespace'] = mapped;
}
