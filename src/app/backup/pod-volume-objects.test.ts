import { describe, expect, it } from 'vitest';
import { parsePodForVolumes } from '../../podvolumes/index.ts';
import {
  newPodVolumeBackup,
  podVolumeInfo,
  validLabelValue,
  veleroPodVolumeBackup,
} from './pod-volume-objects.ts';

const backup = { name: 'nightly', uid: 'b0000000-0000-4000-8000-000000000001', location: 'default' };
const pod = parsePodForVolumes({
  metadata: { name: 'db-0', namespace: 'app', uid: 'p0000000-0000-4000-8000-000000000002' },
  spec: {
    nodeName: 'node-a',
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }],
    containers: [],
  },
  status: { phase: 'Running' },
});

describe("pod volume objects in Velero's shape", () => {
  it("validLabelValue: Velero's GetValidName (57 characters and 6 hex of the SHA-256 past 63)", () => {
    expect(validLabelValue('nightly')).toBe('nightly');
    const long = 'x'.repeat(70);
    expect(validLabelValue(long)).toMatch(/^x{57}[0-9a-f]{6}$/);
    expect(validLabelValue(long)).toHaveLength(63);
  });

  it("a PVC volume's work object: labels, pvc annotation, spec and tags as newPodVolumeBackup fills them", () => {
    const pvb = newPodVolumeBackup(
      backup,
      'lifeboat',
      pod,
      { volume: 'data', volumeDir: 'pv-1', pvcName: 'data-db-0', pvName: 'pv-1' },
      'c-uid',
    );
    expect(pvb).toMatchObject({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'PodVolumeBackup',
      metadata: {
        generateName: 'nightly-',
        namespace: 'lifeboat',
        labels: {
          'velero.io/backup-name': 'nightly',
          'velero.io/backup-uid': backup.uid,
          'velero.io/pvc-uid': 'c-uid',
        },
        annotations: { 'velero.io/pvc-name': 'data-db-0' },
      },
      spec: {
        node: 'node-a',
        pod: { kind: 'Pod', namespace: 'app', name: 'db-0', uid: pod.metadata.uid },
        volume: 'data',
        backupStorageLocation: 'default',
        repoIdentifier: '',
        uploaderType: 'kopia',
        tags: {
          backup: 'nightly',
          'backup-uid': backup.uid,
          ns: 'app',
          pod: 'db-0',
          'pod-uid': pod.metadata.uid,
          volume: 'data',
          'pvc-uid': 'c-uid',
        },
      },
    });
  });

  it("the stored record: velero.io/v1 in Velero's namespace, owned by the Backup; and its volume info", () => {
    const made = newPodVolumeBackup(
      backup,
      'lifeboat',
      pod,
      { volume: 'data', volumeDir: 'pv-1', pvcName: 'data-db-0', pvName: 'pv-1' },
      'c-uid',
    );
    made.metadata = { ...made.metadata, name: 'nightly-abcde', uid: 'w-uid', resourceVersion: '42' };
    made.status = {
      phase: 'Completed',
      path: '/host_pods/x',
      snapshotID: 'f'.repeat(32),
      startTimestamp: '2026-01-01T00:00:00Z',
      completionTimestamp: '2026-01-01T00:01:00Z',
      progress: { totalBytes: 100, bytesDone: 100 },
      incrementalBytes: 10,
    };
    const record = veleroPodVolumeBackup(made, backup);
    expect(record.apiVersion).toBe('velero.io/v1');
    expect(record.metadata).toMatchObject({
      name: 'nightly-abcde',
      namespace: 'velero',
      generateName: 'nightly-',
    });
    expect(record.metadata.resourceVersion).toBeUndefined();
    expect(record.metadata.ownerReferences).toEqual([
      { apiVersion: 'velero.io/v1', kind: 'Backup', name: 'nightly', uid: backup.uid, controller: true },
    ]);
    expect(record.status).toMatchObject({
      phase: 'Completed',
      snapshotID: 'f'.repeat(32),
      incrementalBytes: 10,
    });
    expect(podVolumeInfo(made, 'pv-1')).toEqual({
      pvcName: 'data-db-0',
      pvcNamespace: 'app',
      pvName: 'pv-1',
      backupMethod: 'PodVolumeBackup',
      snapshotDataMoved: false,
      preserveLocalSnapshot: false,
      skipped: false,
      startTimestamp: '2026-01-01T00:00:00Z',
      completionTimestamp: '2026-01-01T00:01:00Z',
      result: 'succeeded',
      pvbInfo: {
        snapshotHandle: 'f'.repeat(32),
        size: 100,
        incrementalSize: 10,
        uploaderType: 'kopia',
        volumeName: 'data',
        podName: 'db-0',
        podNamespace: 'app',
        nodeName: 'node-a',
        Phase: 'Completed',
      },
    });
  });
});
