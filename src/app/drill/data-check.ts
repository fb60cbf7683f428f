import type { PodVolumeBackup } from '../../model/index.ts';
import type { VolumeCheck } from '../../drill/index.ts';
import type { PodVolumeRestoreSummary } from '../pod-volumes/index.ts';

/**
 * The volume data check: each restored volume against what the backup recorded for its snapshot.
 * A volume passes when its PodVolumeRestore Completed, the snapshot is the one the backup's
 * PodVolumeBackup recorded, and the bytes the agent wrote back equal the bytes the snapshot held
 * at backup time (the agent restores from the kopia snapshot, whose content it checks by hash as it
 * reads each object, so a wrong or truncated content fails the restore itself).
 */
export function checkVolumes(
  restored: readonly PodVolumeRestoreSummary[],
  backups: readonly PodVolumeBackup[],
): VolumeCheck[] {
  const bySnapshot = new Map<string, PodVolumeBackup>();
  for (const b of backups) if (b.status?.snapshotID) bySnapshot.set(b.status.snapshotID, b);
  return restored.map((v) => {
    const backup = bySnapshot.get(v.snapshotID);
    const expected = backup?.status?.progress?.totalBytes;
    const check: VolumeCheck = {
      namespace: v.namespace,
      pod: v.pod,
      volume: v.volume,
      snapshotID: v.snapshotID,
      phase: v.phase,
      ok: false,
    };
    if (expected !== undefined) check.bytesBackedUp = expected;
    if (v.bytesDone !== undefined) check.bytesRestored = v.bytesDone;
    if (v.phase !== 'Completed') check.reason = `restore ${v.phase}${v.message ? `: ${v.message}` : ''}`;
    else if (backup === undefined) check.reason = `snapshot ${v.snapshotID} is not one the backup recorded`;
    else if (expected !== undefined && v.bytesDone !== expected)
      check.reason = `${v.bytesDone ?? 0} bytes restored, the snapshot held ${expected}`;
    else check.ok = true;
    return check;
  });
}
