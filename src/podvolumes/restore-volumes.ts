import * as z from 'zod';
import {
  getValidLabelValue,
  type KubeObject,
  nullObject,
  parsePodVolumeBackup,
  POD_VOLUME_API_VERSION,
  POD_VOLUME_RESTORE_KIND,
  type PodVolumeBackup,
  PodVolumeAnnotations,
  PodVolumeLabels,
  type PodVolumeRestore,
} from '../model/index.ts';

/**
 * Which pod volumes of a backup a restored pod gets data for (Velero's GetVolumeBackupsForPod,
 * spec/volume-data.md §1.7), and the PodVolumeRestore that asks a node agent for one of them.
 * Pure: the PodVolumeBackups come already checked (parsePodVolumeBackup).
 */

/** One volume of a restored pod whose data comes from a pod volume backup. */
export interface VolumeToRestore {
  volume: string;
  snapshotID: string;
  snapshotSize?: number | undefined;
  backupStorageLocation: string;
  uploaderType: string;
  /** The pod's namespace in the backup: the snapshot is in the repository kopia/<sourceNamespace>/. */
  sourceNamespace: string;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The pod's volumes by name (records with a string name only). */
export function podVolumes(pod: KubeObject): Map<string, Json> {
  const spec = pod['spec'];
  const volumes = isRecord(spec) && Array.isArray(spec['volumes']) ? spec['volumes'] : [];
  const out = new Map<string, Json>();
  for (const v of volumes) if (isRecord(v) && typeof v['name'] === 'string') out.set(v['name'], v);
  return out;
}

/** Projected and downward API volumes are made by the kubelet from the API: never restored (Velero). */
function restorable(volume: Json): boolean {
  return volume['projected'] === undefined && volume['downwardAPI'] === undefined;
}

/**
 * The volumes of `pod` (as restored, before its namespace is mapped) to restore: the backup's
 * PodVolumeBackups of the pod's name in its source namespace with a snapshot ID, whose volume the
 * pod still has and may be restored. A later PodVolumeBackup of the same volume wins, as in Velero;
 * the order is the pod's volume order.
 */
export function volumesToRestore(
  pvbs: readonly PodVolumeBackup[],
  pod: KubeObject,
  sourceNamespace: string,
): VolumeToRestore[] {
  const volumes = podVolumes(pod);
  const found = new Map<string, VolumeToRestore>();
  for (const pvb of pvbs) {
    if (pvb.spec.pod.name !== pod.metadata.name || pvb.spec.pod.namespace !== sourceNamespace) continue;
    const snapshotID = pvb.status?.snapshotID ?? '';
    const volume = volumes.get(pvb.spec.volume);
    if (snapshotID === '' || volume === undefined || !restorable(volume)) continue;
    found.set(pvb.spec.volume, {
      volume: pvb.spec.volume,
      snapshotID,
      snapshotSize: pvb.status?.progress?.totalBytes,
      backupStorageLocation: pvb.spec.backupStorageLocation,
      uploaderType: pvb.spec.uploaderType || 'kopia',
      sourceNamespace,
    });
  }
  return [...volumes.keys()].flatMap((name) => {
    const v = found.get(name);
    return v === undefined ? [] : [v];
  });
}

/** At most this many PodVolumeBackups are read from a backup (a hostile file could hold millions). */
export const MAX_POD_VOLUME_BACKUPS = 100_000;

/**
 * A backup's `<b>-podvolumebackups.json.gz` as decoded JSON (Velero's or lifeboat's; `null` when
 * there are none), checked entry by entry: an entry that is not a PodVolumeBackup is left out and
 * named in `problems` (a warning of the restore), never a crash.
 */
export function readPodVolumeBackups(raw: unknown): { backups: PodVolumeBackup[]; problems: string[] } {
  if (raw === undefined || raw === null) return { backups: [], problems: [] };
  if (!Array.isArray(raw))
    return { backups: [], problems: ['the pod volume backups file is not a JSON array: it is ignored'] };
  const backups: PodVolumeBackup[] = [];
  const problems: string[] = [];
  if (raw.length > MAX_POD_VOLUME_BACKUPS)
    problems.push(
      `the pod volume backups file lists ${raw.length} entries: only the first ${MAX_POD_VOLUME_BACKUPS} are read`,
    );
  for (const [i, entry] of raw.slice(0, MAX_POD_VOLUME_BACKUPS).entries()) {
    try {
      backups.push(parsePodVolumeBackup(entry));
    } catch (err) {
      const issue = err instanceof z.ZodError ? err.issues[0] : undefined;
      const where = issue ? `${issue.path.join('.') || '(entry)'}: ${issue.message}` : String(err);
      if (problems.length < 20)
        problems.push(`pod volume backup #${i} is not readable and is ignored (${where})`);
    }
  }
  return { backups, problems };
}

/**
 * `namespace/claim` of every PVC whose data a pod volume backup holds, by the PodVolumeBackup's
 * velero.io/pvc-name annotation (Velero's hasPodVolumeBackup): its PV is provisioned anew.
 */
export function podVolumeClaims(pvbs: readonly PodVolumeBackup[]): Set<string> {
  const claims = new Set<string>();
  for (const pvb of pvbs) {
    const claim = pvb.metadata.annotations?.[PodVolumeAnnotations.pvcName];
    if (claim !== undefined && claim !== '') claims.add(`${pvb.spec.pod.namespace ?? ''}/${claim}`);
  }
  return claims;
}

/** Where the restore puts the objects, and what it is called. */
export interface PodVolumeRestoreTarget {
  restoreName: string;
  restoreUid: string;
  /** lifeboat's namespace, where the coordination objects live. */
  namespace: string;
  /**
   * The location the backup was read from (a name of lifeboat's config), whose kopia/ holds the
   * data; the PodVolumeBackup's own location name (Velero's BSL) when absent.
   */
  location?: string | undefined;
}

/**
 * The PodVolumeRestore for one volume of a created pod (Velero's newPodVolumeRestore): generateName
 * `<restore>-`, labels restore name/uid and pod uid, the NEW pod's reference, in lifeboat's group
 * and namespace.
 */
export function podVolumeRestoreFor(
  pod: KubeObject,
  volume: VolumeToRestore,
  target: PodVolumeRestoreTarget,
): PodVolumeRestore {
  const uid = typeof pod.metadata['uid'] === 'string' ? pod.metadata['uid'] : '';
  return {
    apiVersion: POD_VOLUME_API_VERSION,
    kind: POD_VOLUME_RESTORE_KIND,
    metadata: {
      generateName: `${target.restoreName.slice(0, 57)}-`,
      namespace: target.namespace,
      labels: nullObject([
        [PodVolumeLabels.restoreName, getValidLabelValue(target.restoreName)],
        [PodVolumeLabels.restoreUid, target.restoreUid],
        [PodVolumeLabels.podUid, uid],
      ]),
    },
    spec: {
      pod: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name, uid },
      volume: volume.volume,
      backupStorageLocation: target.location ?? volume.backupStorageLocation,
      repoIdentifier: '',
      uploaderType: volume.uploaderType,
      snapshotID: volume.snapshotID,
      sourceNamespace: volume.sourceNamespace,
      ...(volume.snapshotSize !== undefined ? { snapshotSize: volume.snapshotSize } : {}),
    },
  };
}
