import { describe, expect, it } from 'vitest';
import type { PodVolumeBackup } from '../../model/index.ts';
import type { PodVolumeRestoreSummary } from '../pod-volumes/index.ts';
import { checkVolumes } from './data-check.ts';

const backup = (snapshotID: string, totalBytes: number): PodVolumeBackup => ({
  apiVersion: 'velero.io/v1',
  kind: 'PodVolumeBackup',
  metadata: { name: snapshotID, namespace: 'velero' },
  spec: {
    node: 'n',
    pod: { namespace: 'shop', name: 'db-0' },
    volume: 'data',
    backupStorageLocation: 'l',
    repoIdentifier: '',
    uploaderType: 'kopia',
  },
  status: { phase: 'Completed', snapshotID, progress: { totalBytes, bytesDone: totalBytes } },
});

const clean = { files: 3, directories: 2, symlinks: 1, bytes: 5, mismatchCount: 0, mismatches: [] };

const restored = (
  snapshotID: string,
  phase: string,
  bytesDone?: number,
  dataCheck: PodVolumeRestoreSummary['dataCheck'] | null = clean,
): PodVolumeRestoreSummary => ({
  namespace: 'shop',
  pod: 'db-0',
  volume: 'data',
  pvcName: 'data-db-0',
  snapshotID,
  sourceNamespace: 'shop',
  phase,
  ...(dataCheck === null ? {} : { dataCheck }),
  ...(bytesDone === undefined ? {} : { bytesDone }),
});

describe('the volume data check', () => {
  it('passes a volume whose restore Completed with its snapshot bytes and whose re-read matched', () => {
    expect(checkVolumes([restored('s1', 'Completed', 5)], [backup('s1', 5)])).toEqual([
      {
        namespace: 'shop',
        pod: 'db-0',
        volume: 'data',
        snapshotID: 's1',
        phase: 'Completed',
        bytesBackedUp: 5,
        bytesRestored: 5,
        pvc: 'data-db-0',
        checked: clean,
        ok: true,
      },
    ]);
  });

  it('fails a short restore, a failed one and a snapshot the backup never recorded, saying which', () => {
    const checks = checkVolumes(
      [restored('s1', 'Completed', 4), restored('s2', 'Failed'), restored('s3', 'Completed', 5)],
      [backup('s1', 5), backup('s2', 5)],
    );
    expect(checks.map((c) => [c.ok, c.reason])).toEqual([
      [false, '4 bytes restored, the snapshot held 5'],
      [false, 'restore Failed'],
      [false, 'snapshot s3 is not one the backup recorded'],
    ]);
  });

  it('fails a volume whose re-read found paths differing from the snapshot, naming them, and one never re-read', () => {
    const altered = {
      ...clean,
      mismatchCount: 2,
      mismatches: [
        { path: 'a.txt', reason: "its bytes differ from the snapshot's from byte 0 on (content 1 of 1)" },
        { path: 'extra', reason: 'is not in the snapshot' },
      ],
    };
    const checks = checkVolumes(
      [restored('s1', 'Completed', 5, altered), restored('s1', 'Completed', 5, null)],
      [backup('s1', 5)],
    );
    expect(checks.map((c) => [c.ok, c.reason])).toEqual([
      [
        false,
        "2 path(s) differ from the snapshot: a.txt its bytes differ from the snapshot's from byte 0 on (content 1 of 1); extra is not in the snapshot",
      ],
      [false, "the node agent did not re-read the volume: run lifeboat's current agent image"],
    ]);
    expect(checks[0]?.checked?.mismatches.map((m) => m.path)).toEqual(['a.txt', 'extra']);
  });
});
