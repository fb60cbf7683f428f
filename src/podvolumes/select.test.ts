import { describe, expect, it } from 'vitest';
import { parsePodForVolumes, type VolumeFacts, volumeFacts } from './pod.ts';
import { selectPodVolumes } from './select.ts';

function pod(
  volumes: Record<string, unknown>[],
  options: {
    annotations?: Record<string, string>;
    phase?: string;
    mounts?: string[];
    devices?: string[];
  } = {},
) {
  return parsePodForVolumes({
    metadata: {
      name: 'db-0',
      namespace: 'app',
      uid: 'c0ffee00-0000-4000-8000-000000000001',
      annotations: options.annotations,
    },
    spec: {
      nodeName: 'node-a',
      volumes,
      containers: [
        {
          name: 'app',
          volumeMounts: (options.mounts ?? volumes.map((v) => String(v['name']))).map((name) => ({
            name,
            mountPath: `/${name}`,
          })),
          volumeDevices: (options.devices ?? []).map((name) => ({ name, devicePath: `/dev/${name}` })),
        },
      ],
    },
    status: { phase: options.phase ?? 'Running' },
  });
}

const pvs = new Map<string, VolumeFacts>([
  ['data', { name: 'pv-local', csi: false, hostPath: false, block: false }],
  ['fast', { name: 'pvc-1234', csi: true, hostPath: false, block: false }],
  ['host', { name: 'pv-host', csi: false, hostPath: true, block: false }],
  ['raw', { name: 'pv-raw', csi: true, hostPath: false, block: true }],
]);
const lookup = (defaultVolumesToFsBackup: boolean) => ({
  defaultVolumesToFsBackup,
  claimVolume: (claim: string) => pvs.get(claim),
});
const claim = (name: string, claimName = name) => ({ name, persistentVolumeClaim: { claimName } });

describe('selectPodVolumes: which volumes Velero file-system backup takes', () => {
  it('opt-in: only the annotated volumes, with the kubelet directory of each kind (spec §1.2)', () => {
    const p = pod(
      [
        { name: 'scratch', emptyDir: {} },
        claim('data'),
        claim('fast'),
        { name: 'inline', csi: { driver: 'x' } },
        { name: 'other', emptyDir: {} },
      ],
      { annotations: { 'backup.velero.io/backup-volumes': 'scratch, data,fast,inline,absent' } },
    );
    expect(selectPodVolumes(p, lookup(false))).toEqual({
      backup: [
        { volume: 'scratch', volumeDir: 'scratch' },
        { volume: 'data', volumeDir: 'pv-local', pvcName: 'data', pvName: 'pv-local' },
        { volume: 'fast', volumeDir: 'pvc-1234/mount', pvcName: 'fast', pvName: 'pvc-1234' },
        { volume: 'inline', volumeDir: 'inline/mount' },
      ],
      skipped: [],
    });
  });

  it('no annotation and no defaulting: nothing', () => {
    expect(selectPodVolumes(pod([{ name: 'scratch', emptyDir: {} }]), lookup(false))).toEqual({
      backup: [],
      skipped: [],
    });
  });

  it("defaulting: every volume but the opted-out and those whose data is the cluster's own, quietly", () => {
    const p = pod(
      [
        { name: 'scratch', emptyDir: {} },
        { name: 'cache', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'c' } },
        { name: 'sec', secret: { secretName: 's' } },
        { name: 'proj', projected: { sources: [] } },
        { name: 'down', downwardAPI: {} },
        { name: 'default-token-abcde', emptyDir: {} },
        { name: 'logs', hostPath: { path: '/var/log' } },
      ],
      { annotations: { 'backup.velero.io/backup-volumes-excludes': 'cache' } },
    );
    expect(selectPodVolumes(p, lookup(true))).toEqual({
      backup: [{ volume: 'scratch', volumeDir: 'scratch' }],
      skipped: [],
    });
  });

  it('skips with a reason: hostPath, a claim on a hostPath PV, block volumes, unmounted, unbound claims', () => {
    const p = pod(
      [
        { name: 'logs', hostPath: { path: '/var/log' } },
        claim('host'),
        claim('raw'),
        { name: 'dev', emptyDir: {} },
        { name: 'idle', emptyDir: {} },
        claim('unbound', 'nope'),
      ],
      {
        annotations: { 'backup.velero.io/backup-volumes': 'logs,host,raw,dev,idle,unbound' },
        mounts: ['logs', 'host', 'raw', 'unbound'],
        devices: ['dev'],
      },
    );
    const { backup, skipped } = selectPodVolumes(p, lookup(false));
    expect(backup).toEqual([]);
    expect(skipped.map((s) => [s.volume, s.reason.split(':')[0]])).toEqual([
      ['logs', 'hostPath volume'],
      ['host', 'claim host is bound to hostPath PV pv-host'],
      ['raw', 'claim raw is a block volume'],
      ['dev', 'block volume (volumeDevices)'],
      ['idle', 'no container mounts it'],
      ['unbound', 'claim nope is not bound to a PersistentVolume'],
    ]);
  });

  it('a pod that is not Running: every named volume skipped, saying the phase', () => {
    const p = pod([{ name: 'scratch', emptyDir: {} }], {
      phase: 'Pending',
      annotations: { 'backup.velero.io/backup-volumes': 'scratch' },
    });
    expect(selectPodVolumes(p, lookup(false)).skipped).toEqual([
      { volume: 'scratch', reason: 'pod is Pending, not Running: its volumes are not mounted' },
    ]);
  });
});

describe('volumeFacts', () => {
  it('CSI by spec.csi or by a provisioned-by annotation naming a CSIDriver; hostPath; block', () => {
    const drivers = new Set(['smb.csi.k8s.io']);
    expect(volumeFacts({ metadata: { name: 'a' }, spec: { csi: { driver: 'x' } } }, drivers)).toEqual({
      name: 'a',
      csi: true,
      hostPath: false,
      block: false,
    });
    expect(
      volumeFacts(
        {
          metadata: { name: 'b', annotations: { 'pv.kubernetes.io/provisioned-by': 'smb.csi.k8s.io' } },
          spec: {},
        },
        drivers,
      )?.csi,
    ).toBe(true);
    expect(
      volumeFacts(
        {
          metadata: { name: 'c', annotations: { 'pv.kubernetes.io/provisioned-by': 'other' } },
          spec: { local: {} },
        },
        drivers,
      )?.csi,
    ).toBe(false);
    expect(
      volumeFacts({ metadata: { name: 'd' }, spec: { hostPath: { path: '/x' } } }, drivers)?.hostPath,
    ).toBe(true);
    expect(
      volumeFacts({ metadata: { name: 'e' }, spec: { volumeMode: 'Block', csi: {} } }, drivers)?.block,
    ).toBe(true);
    expect(volumeFacts({ metadata: {} }, drivers)).toBeUndefined();
  });
});
