import { createHash } from 'node:crypto';
import {
  nullObject,
  POD_VOLUME_API_VERSION,
  POD_VOLUME_BACKUP_KIND,
  PodVolumeAnnotations,
  type PodVolumeBackup,
  PodVolumeLabels,
} from '../../model/index.ts';
import type { PodForVolumes, VolumeToBackUp } from '../../podvolumes/index.ts';

/** Velero's label.GetValidName: a value over 63 characters is cut to 57 plus 6 hex of its SHA-256. */
export function validLabelValue(value: string): string {
  if (value.length <= 63) return value;
  return value.slice(0, 57) + createHash('sha256').update(value).digest('hex').slice(0, 6);
}

export interface BackupIdentity {
  name: string;
  uid: string;
  location: string;
}

/** The lifeboat.io PodVolumeBackup of one volume, as Velero's newPodVolumeBackup fills it. */
export function newPodVolumeBackup(
  backup: BackupIdentity,
  namespace: string,
  pod: PodForVolumes,
  volume: VolumeToBackUp,
  pvcUid: string | undefined,
): PodVolumeBackup {
  const labels = nullObject<string>();
  labels[PodVolumeLabels.backupName] = validLabelValue(backup.name);
  labels[PodVolumeLabels.backupUid] = backup.uid;
  const annotations = nullObject<string>();
  const tags = nullObject<string>();
  Object.assign(tags, {
    backup: backup.name,
    'backup-uid': backup.uid,
    ns: pod.metadata.namespace,
    pod: pod.metadata.name,
    'pod-uid': pod.metadata.uid,
    volume: volume.volume,
  });
  if (volume.pvcName !== undefined) {
    annotations[PodVolumeAnnotations.pvcName] = volume.pvcName;
    if (pvcUid !== undefined) {
      labels[PodVolumeLabels.pvcUid] = pvcUid;
      tags['pvc-uid'] = pvcUid;
    }
  }
  return {
    apiVersion: POD_VOLUME_API_VERSION,
    kind: POD_VOLUME_BACKUP_KIND,
    metadata: { generateName: `${backup.name}-`, namespace, labels, annotations },
    spec: {
      node: pod.spec.nodeName ?? '',
      pod: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      volume: volume.volume,
      backupStorageLocation: backup.location,
      repoIdentifier: '',
      uploaderType: 'kopia',
      tags,
    },
  };
}

/** Velero's namespace: where its sync controller puts the PodVolumeBackups of a synced backup. */
const VELERO_NAMESPACE = 'velero';

/**
 * The record a backup stores in `<b>-podvolumebackups.json.gz`: the object as Velero writes it —
 * velero.io/v1, in Velero's namespace, owned by the Backup — with the status the agent gave it.
 */
export function veleroPodVolumeBackup(pvb: PodVolumeBackup, backup: BackupIdentity): PodVolumeBackup {
  const { name, generateName, uid, creationTimestamp, labels, annotations } = pvb.metadata;
  return {
    apiVersion: 'velero.io/v1',
    kind: POD_VOLUME_BACKUP_KIND,
    metadata: {
      ...(name === undefined ? {} : { name }),
      ...(generateName === undefined ? {} : { generateName }),
      namespace: VELERO_NAMESPACE,
      ...(uid === undefined ? {} : { uid }),
      ...(creationTimestamp === undefined ? {} : { creationTimestamp }),
      ...(labels === undefined ? {} : { labels }),
      ...(annotations === undefined || Object.keys(annotations).length === 0 ? {} : { annotations }),
      ownerReferences: [
        { apiVersion: 'velero.io/v1', kind: 'Backup', name: backup.name, uid: backup.uid, controller: true },
      ],
    },
    spec: pvb.spec,
    status: {
      phase: pvb.status?.phase ?? 'Failed',
      path: pvb.status?.path ?? '',
      snapshotID: pvb.status?.snapshotID ?? '',
      message: pvb.status?.message ?? '',
      ...pick(pvb.status, ['startTimestamp', 'completionTimestamp', 'acceptedTimestamp']),
      progress: pvb.status?.progress ?? {},
      ...(pvb.status?.incrementalBytes === undefined
        ? {}
        : { incrementalBytes: pvb.status.incrementalBytes }),
    },
  };
}

function pick<T extends object, K extends keyof T>(value: T | undefined, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  if (value === undefined) return out;
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

/** Velero's BackupVolumeInfo of a pod volume backup (keys as Velero's JSON spells them). */
export interface PodVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod: 'PodVolumeBackup';
  snapshotDataMoved: boolean;
  preserveLocalSnapshot: boolean;
  skipped: boolean;
  startTimestamp?: string;
  completionTimestamp?: string;
  result: 'succeeded' | 'failed';
  pvbInfo: {
    snapshotHandle?: string;
    size?: number;
    incrementalSize?: number;
    uploaderType: string;
    volumeName: string;
    podName: string;
    podNamespace: string;
    nodeName?: string;
    Phase: string;
  };
}

/** The `-volumeinfo.json.gz` entry of a pod volume backup (Velero's BackupVolumeInfo, method PodVolumeBackup). */
export function podVolumeInfo(pvb: PodVolumeBackup, pvName: string | undefined): PodVolumeInfo {
  const status = pvb.status ?? {};
  const pvcName = pvb.metadata.annotations?.[PodVolumeAnnotations.pvcName];
  const info: PodVolumeInfo = {
    backupMethod: 'PodVolumeBackup',
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: false,
    result: status.phase === 'Completed' ? 'succeeded' : 'failed',
    pvbInfo: {
      uploaderType: 'kopia',
      volumeName: pvb.spec.volume,
      podName: pvb.spec.pod.name ?? '',
      podNamespace: pvb.spec.pod.namespace ?? '',
      Phase: status.phase ?? 'Failed',
    },
  };
  if (pvcName !== undefined) {
    info.pvcName = pvcName;
    info.pvcNamespace = pvb.spec.pod.namespace ?? '';
  }
  if (pvName !== undefined) info.pvName = pvName;
  if (status.startTimestamp !== undefined) info.startTimestamp = status.startTimestamp;
  if (status.completionTimestamp !== undefined) info.completionTimestamp = status.completionTimestamp;
  if (status.snapshotID) info.pvbInfo.snapshotHandle = status.snapshotID;
  if (status.progress?.totalBytes !== undefined) info.pvbInfo.size = status.progress.totalBytes;
  if (status.incrementalBytes !== undefined) info.pvbInfo.incrementalSize = status.incrementalBytes;
  if (pvb.spec.node !== '') info.pvbInfo.nodeName = pvb.spec.node;
  return info;
}
