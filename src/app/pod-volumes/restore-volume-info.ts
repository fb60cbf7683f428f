import { mapBounded } from '../../concurrency/index.ts';
import { getOrUndefined, type KubeClient } from '../../kube/index.ts';
import type { PodVolumeRestoreSummary } from './pod-volume-summaries.ts';

/**
 * Velero's RestoreVolumeInfo of a pod volume restore (`restores/<r>/<r>-volumeinfo.json.gz`, keys in
 * Velero's order and spelling; its PodVolumeInfo leaves `Phase` empty for a restore).
 */
export interface PodVolumeRestoreInfo {
  pvcName: string;
  pvcNamespace: string;
  pvName?: string;
  restoreMethod: 'PodVolumeRestore';
  snapshotDataMoved: false;
  pvrInfo: {
    snapshotHandle?: string;
    size?: number;
    uploaderType: string;
    volumeName: string;
    podName: string;
    podNamespace: string;
    Phase: '';
  };
}

/** The claim a pod's volume mounts, if it is one (read from the restored pod). */
export function claimOfVolume(pod: object, volume: string): string | undefined {
  const spec = (pod as { spec?: unknown }).spec as { volumes?: unknown } | undefined;
  const volumes = Array.isArray(spec?.volumes) ? (spec.volumes as unknown[]) : [];
  for (const v of volumes) {
    const entry = v as { name?: unknown; persistentVolumeClaim?: { claimName?: unknown } } | null;
    if (entry?.name !== volume) continue;
    const claim = entry.persistentVolumeClaim?.claimName;
    return typeof claim === 'string' && claim !== '' ? claim : undefined;
  }
  return undefined;
}

/**
 * One entry per restored volume of a claim, as Velero writes them (volumes that are not claims, such
 * as emptyDirs, have none): the claim's bound PV is read from the cluster.
 */
export async function podVolumeRestoreInfos(
  client: KubeClient,
  volumes: readonly PodVolumeRestoreSummary[],
): Promise<PodVolumeRestoreInfo[]> {
  const claimed = volumes.filter(
    (v): v is PodVolumeRestoreSummary & { pvcName: string } => v.pvcName !== undefined,
  );
  // One GET per claim, a few at a time rather than one after another.
  return mapBounded(claimed, 8, async (v): Promise<PodVolumeRestoreInfo> => {
    const path = `/api/v1/namespaces/${encodeURIComponent(v.namespace)}/persistentvolumeclaims/${encodeURIComponent(v.pvcName)}`;
    const claim = await getOrUndefined<{ spec?: { volumeName?: unknown }; status?: { phase?: unknown } }>(
      client,
      { path },
    ).catch(() => undefined);
    const bound = claim?.status?.phase === 'Bound' ? claim.spec?.volumeName : undefined;
    return {
      pvcName: v.pvcName,
      pvcNamespace: v.namespace,
      ...(typeof bound === 'string' && bound !== '' ? { pvName: bound } : {}),
      restoreMethod: 'PodVolumeRestore',
      snapshotDataMoved: false,
      pvrInfo: {
        ...(v.snapshotID === '' ? {} : { snapshotHandle: v.snapshotID }),
        ...(v.totalBytes ? { size: v.totalBytes } : {}),
        uploaderType: 'kopia',
        volumeName: v.volume,
        podName: v.pod,
        podNamespace: v.namespace,
        Phase: '',
      },
    };
  });
}
