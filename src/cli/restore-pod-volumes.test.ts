import { describe, expect, it } from 'vitest';
import { podVolumesText } from './restore-output.ts';
import { podVolumeOptions, progressLine } from './restore-pod-volumes.ts';

describe('restore create: pod volume flags and progress', () => {
  it('reads the namespace, the timeout and the helper image, refusing a bad duration', () => {
    expect(podVolumeOptions({ podVolumeNamespace: 'lifeboat', podVolumeTimeout: '90m' })).toEqual({
      namespace: 'lifeboat',
      timeoutMs: 5_400_000,
    });
    expect(
      podVolumeOptions({ podVolumeNamespace: 'ops', podVolumeTimeout: '1h', restoreHelperImage: 'reg/lb:1' }),
    ).toMatchObject({ namespace: 'ops', helperImage: 'reg/lb:1' });
    expect(() => podVolumeOptions({ podVolumeNamespace: 'lifeboat', podVolumeTimeout: '2d' })).toThrow(
      /--pod-volume-timeout/,
    );
    expect(() => podVolumeOptions({ podVolumeNamespace: 'Not_A_Name', podVolumeTimeout: '1h' })).toThrow();
  });

  it('shows volumes and bytes while the data comes back', () => {
    const line = progressLine({
      phase: 'volumes',
      podVolumes: { volumes: 3, completed: 1, failed: 0, totalBytes: 3 << 20, bytesDone: 1 << 20 },
    });
    expect(line).toBe('restoring pod volume data  1/3 volumes  1.0 MiB/3.0 MiB  failed 0');
  });
});

describe('restore describe: pod volume restores', () => {
  it('lists each volume with phase, bytes, node and the message of a failed one', () => {
    const text = podVolumesText([
      {
        namespace: 'app',
        pod: 'db-0',
        volume: 'data',
        snapshotID: 'abc',
        sourceNamespace: 'src',
        phase: 'Completed',
        node: 'n1',
        totalBytes: 2048,
        bytesDone: 2048,
      },
      {
        namespace: 'app',
        pod: 'db-0',
        volume: 'logs',
        snapshotID: 'def',
        sourceNamespace: 'src',
        phase: 'Failed',
        message: 'no snapshot def',
      },
    ]).join('\n');
    expect(text).toContain('Pod volume restores (kopia): Completed 1, Failed 1');
    expect(text).toMatch(/app\/db-0\s+data\s+Completed\s+2\.0 KiB\/2\.0 KiB\s+n1\s+src\/abc/);
    expect(text).toContain('app/db-0 logs: no snapshot def');
    expect(podVolumesText(undefined)).toEqual([]);
  });
});
