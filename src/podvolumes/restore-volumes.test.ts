import { describe, expect, it } from 'vitest';
import { type KubeObject, parsePodVolumeBackup, type PodVolumeBackup } from '../model/index.ts';
import {
  podVolumeClaims,
  podVolumeRestoreFor,
  readPodVolumeBackups,
  volumesToRestore,
} from './restore-volumes.ts';

function pvb(
  pod: string,
  ns: string,
  volume: string,
  snapshotID: string,
  extra: object = {},
): PodVolumeBackup {
  return parsePodVolumeBackup({
    apiVersion: 'velero.io/v1',
    kind: 'PodVolumeBackup',
    metadata: { generateName: 'b1-', namespace: 'velero', ...extra },
    spec: {
      node: 'n1',
      pod: { kind: 'Pod', namespace: ns, name: pod, uid: 'old-uid' },
      volume,
      backupStorageLocation: 'default',
      repoIdentifier: '',
      uploaderType: 'kopia',
    },
    status: { phase: 'Completed', snapshotID, progress: { totalBytes: 42, bytesDone: 42 } },
  });
}

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'db-0', namespace: 'app' },
  spec: {
    containers: [{ name: 'c', image: 'busybox' }],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } },
      { name: 'scratch', emptyDir: {} },
      { name: 'token', projected: { sources: [] } },
      { name: 'info', downwardAPI: { items: [] } },
    ],
  },
};

describe('volumesToRestore (Velero GetVolumeBackupsForPod)', () => {
  it('takes the PodVolumeBackups of the pod by name and source namespace, in the pod volume order', () => {
    const found = volumesToRestore(
      [
        pvb('db-0', 'app', 'scratch', 's2'),
        pvb('db-0', 'app', 'data', 's1'),
        pvb('db-0', 'other', 'data', 'x'),
      ],
      pod,
      'app',
    );
    expect(found.map((v) => [v.volume, v.snapshotID])).toEqual([
      ['data', 's1'],
      ['scratch', 's2'],
    ]);
    expect(found[0]).toMatchObject({
      sourceNamespace: 'app',
      snapshotSize: 42,
      backupStorageLocation: 'default',
    });
  });

  it('skips empty snapshot IDs, projected and downward API volumes, and volumes the pod no longer has', () => {
    const found = volumesToRestore(
      [
        pvb('db-0', 'app', 'data', ''),
        pvb('db-0', 'app', 'token', 's3'),
        pvb('db-0', 'app', 'info', 's4'),
        pvb('db-0', 'app', 'gone', 's5'),
        pvb('db-1', 'app', 'scratch', 's6'),
      ],
      pod,
      'app',
    );
    expect(found).toEqual([]);
  });

  it('lets a later backup of the same volume win', () => {
    const found = volumesToRestore(
      [pvb('db-0', 'app', 'data', 'a'), pvb('db-0', 'app', 'data', 'b')],
      pod,
      'app',
    );
    expect(found.map((v) => v.snapshotID)).toEqual(['b']);
  });
});

describe('podVolumeClaims (Velero hasPodVolumeBackup)', () => {
  it('names the claims of the pvc-name annotation', () => {
    const claims = podVolumeClaims([
      pvb('db-0', 'app', 'data', 's1', { annotations: { 'velero.io/pvc-name': 'data-db-0' } }),
      pvb('x', 'other', 'v', 's2', { annotations: { 'velero.io/pvc-name': 'claim-x' } }),
      pvb('db-0', 'app', 'scratch', 's3'),
    ]);
    expect([...claims].sort()).toEqual(['app/data-db-0', 'other/claim-x']);
  });
});

describe('readPodVolumeBackups', () => {
  it("reads Velero's file, keeps the readable entries and names the others", () => {
    const good = pvb('db-0', 'app', 'data', 's1');
    expect(readPodVolumeBackups(null)).toEqual({ backups: [], problems: [] });
    expect(readPodVolumeBackups({}).problems).toEqual([
      'the pod volume backups file is not a JSON array: it is ignored',
    ]);
    const read = readPodVolumeBackups([good, { kind: 'PodVolumeBackup' }, 'x']);
    expect(read.backups).toEqual([good]);
    expect(read.problems).toHaveLength(2);
    expect(read.problems[0]).toMatch(/^pod volume backup #1 is not readable and is ignored/);
  });
});

describe('podVolumeRestoreFor (Velero newPodVolumeRestore)', () => {
  it("refers to the new pod's uid, the snapshot and the source namespace, labelled with the restore", () => {
    const created: KubeObject = { ...pod, metadata: { name: 'db-0', namespace: 'app-copy', uid: 'new-uid' } };
    const [volume] = volumesToRestore([pvb('db-0', 'app', 'data', 's1')], pod, 'app');
    if (volume === undefined) throw new Error('no volume');
    const pvr = podVolumeRestoreFor(created, volume, {
      restoreName: 'r1',
      restoreUid: 'ruid',
      namespace: 'lifeboat',
    });
    expect(pvr).toMatchObject({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'PodVolumeRestore',
      metadata: {
        generateName: 'r1-',
        namespace: 'lifeboat',
        labels: {
          'velero.io/restore-name': 'r1',
          'velero.io/restore-uid': 'ruid',
          'velero.io/pod-uid': 'new-uid',
        },
      },
      spec: {
        pod: { kind: 'Pod', namespace: 'app-copy', name: 'db-0', uid: 'new-uid' },
        volume: 'data',
        snapshotID: 's1',
        snapshotSize: 42,
        sourceNamespace: 'app',
        backupStorageLocation: 'default',
        uploaderType: 'kopia',
        repoIdentifier: '',
      },
    });
    const inLocation = podVolumeRestoreFor(created, volume, {
      restoreName: 'r1',
      restoreUid: 'ruid',
      namespace: 'lifeboat',
      location: 'fs',
    });
    expect(inLocation.spec.backupStorageLocation).toBe('fs');
  });
});
