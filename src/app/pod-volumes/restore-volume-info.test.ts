import { describe, expect, it } from 'vitest';
import { KubeApiError, type KubeClient } from '../../kube/index.ts';
import { claimOfVolume, podVolumeRestoreInfos } from './restore-volume-info.ts';

/** An in-memory API server that knows some claims by path. */
function claims(byPath: Record<string, object>): KubeClient {
  const known = new Map(Object.entries(byPath));
  return {
    json: (spec: { path: string }) => {
      const found = known.get(spec.path);
      if (found === undefined)
        return Promise.reject(new KubeApiError('NOT_FOUND', 'not found', 404, 'NotFound'));
      return Promise.resolve(found);
    },
  } as unknown as KubeClient;
}

describe("Velero's restore volume info for pod volume restores", () => {
  it('reads the claim of a volume from the pod, and none for other volumes', () => {
    const pod = {
      spec: {
        volumes: [
          { name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
    };
    expect(claimOfVolume(pod, 'data')).toBe('data-db-0');
    expect(claimOfVolume(pod, 'scratch')).toBeUndefined();
    expect(claimOfVolume(pod, 'absent')).toBeUndefined();
    expect(claimOfVolume({ spec: { volumes: 'hostile' } }, 'data')).toBeUndefined();
  });

  it('gives claims only, in Velero keys and order, with the bound PV when the claim is Bound', async () => {
    const client = claims({
      '/api/v1/namespaces/app/persistentvolumeclaims/data-db-0': {
        spec: { volumeName: 'pv-new' },
        status: { phase: 'Bound' },
      },
      '/api/v1/namespaces/app/persistentvolumeclaims/pending': { spec: {}, status: { phase: 'Pending' } },
    });
    const base = { namespace: 'app', pod: 'db-0', sourceNamespace: 'src', phase: 'Completed' };
    const infos = await podVolumeRestoreInfos(client, [
      { ...base, volume: 'data', snapshotID: 'a'.repeat(32), pvcName: 'data-db-0', totalBytes: 42 },
      { ...base, volume: 'scratch', snapshotID: 'b'.repeat(32) },
      { ...base, volume: 'later', snapshotID: 'c'.repeat(32), pvcName: 'pending' },
    ]);
    expect(JSON.stringify(infos[0])).toBe(
      JSON.stringify({
        pvcName: 'data-db-0',
        pvcNamespace: 'app',
        pvName: 'pv-new',
        restoreMethod: 'PodVolumeRestore',
        snapshotDataMoved: false,
        pvrInfo: {
          snapshotHandle: 'a'.repeat(32),
          size: 42,
          uploaderType: 'kopia',
          volumeName: 'data',
          podName: 'db-0',
          podNamespace: 'app',
          Phase: '',
        },
      }),
    );
    expect(infos).toHaveLength(2);
    expect(infos[1]).toMatchObject({ pvcName: 'pending', pvrInfo: { volumeName: 'later' } });
    expect(infos[1]).not.toHaveProperty('pvName');
  });
});
