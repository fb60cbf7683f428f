import { describe, expect, it } from 'vitest';
import type { PodVolumeBackup } from '../../model/index.ts';
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

const restored = (snapshotID: string, phase: string, bytesDone?: number) => ({
  namespace: 'shop',
  pod: 'db-0',
  volume: 'data',
  snapshotID,
  sourceNamespace: 'shop',
  phase,
  ...(bytesDone === undefined ? {} : { bytesDone }),
});

describe('the volume data check', () => {
  it('passes a volume whose restore Completed with the bytes its snapshot held at backup time', () => {
    expect(checkVolumes([restored('s1', 'Completed', 5)], [backup('s1', 5)])).toEqual([
      {
        namespace: 'shop',
        pod: 'db-0',
        volume: 'data',
        snapshotID: 's1',
        phase: 'Completed',
        bytesBackedUp: 5,
        bytesRestored: 5,
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
});
