import type { PodVolumeBackup } from '../../model/index.ts';
import type { VolumeCheck } from '../../drill/index.ts';
import type { PodVolumeRestoreSummary } from '../pod-volumes/index.ts';

/** Paths a failed volume's reason names (the report's per-volume check lists up to the agent's 20). */
const PATHS_IN_REASON = 5;

/**
 * The volume data check: each restored volume against its snapshot. The drill's restore asks every
 * node agent to re-read the volume it has just written, before the pod's application starts
 * (app/agent-work/data-check.ts): each file re-split and re-hashed with the repository's keyed hash and
 * compared content by content with the snapshot's object, with sizes, modes and symlink targets. A
 * volume passes when its PodVolumeRestore Completed, the snapshot is one the backup recorded, the
 * bytes written equal the bytes the snapshot held at backup time, and the re-read found nothing that
 * differs; a volume the agent did not re-read fails (nothing proves its bytes).
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
    if (v.pvcName !== undefined) check.pvc = v.pvcName;
    if (expected !== undefined) check.bytesBackedUp = expected;
    if (v.bytesDone !== undefined) check.bytesRestored = v.bytesDone;
    if (v.dataCheck !== undefined) check.checked = v.dataCheck;
    check.reason = problem(v, backup, expected);
    check.ok = check.reason === undefined;
    if (check.ok) delete check.reason;
    return check;
  });
}

function problem(
  v: PodVolumeRestoreSummary,
  backup: PodVolumeBackup | undefined,
  expected: number | undefined,
): string | undefined {
  if (v.phase !== 'Completed') return `restore ${v.phase}${v.message ? `: ${v.message}` : ''}`;
  if (backup === undefined) return `snapshot ${v.snapshotID} is not one the backup recorded`;
  if (expected !== undefined && v.bytesDone !== expected)
    return `${v.bytesDone ?? 0} bytes restored, the snapshot held ${expected}`;
  const checked = v.dataCheck;
  if (checked === undefined)
    return `the node agent${v.node ? ` on ${v.node}` : ''} did not re-read the volume: run lifeboat's current agent image`;
  if (checked.mismatchCount === 0) return undefined;
  const listed = checked.mismatches
    .slice(0, PATHS_IN_REASON)
    .map((m) => `${m.path} ${m.reason}`.slice(0, 300));
  const more = checked.mismatchCount - listed.length;
  return `${checked.mismatchCount} path(s) differ from the snapshot: ${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
