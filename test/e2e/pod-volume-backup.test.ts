/**
 * Pod volume file-system backup end to end on a simulated node (a made-up Node object with a
 * kubelet pods directory in a temp dir; no kubelet runs): `lifeboat agent` runs as a child process,
 * `lifeboat backup create` creates the work objects, the agent snapshots the volume directories into
 * the location's kopia repository, and the kopia CLI (Velero's engine) reads what it wrote.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { kopiaBinaries, kopiaS3Storage } from '../helpers/kopia.ts';
import { uniqueName } from '../helpers/kube.ts';
import type { LocationsFixture } from '../helpers/locations.ts';
import { createBoundPod, createNamespace, fillVolume, type SimulatedNode } from '../helpers/pod-volumes.ts';
import { type SimulatedPodVolumes, simulatedPodVolumes } from '../helpers/pod-volumes-simulated.ts';
import { describeTree } from '../integration/kopia-write.support.ts';

const exec = promisify(execFile);
const harness = inject('harness');
const kubeconfig = harness.clusters['source']!.kubeconfig;
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const app = uniqueName('pvb-app');
const MiB = 1 << 20;

let t: SimulatedPodVolumes;
let locations: LocationsFixture;
let node: SimulatedNode;
let work: string;
const volumes: Record<string, string> = {};

async function kopia(configName: string, args: string[]): Promise<string> {
  const { kopia: bin } = await kopiaBinaries();
  const { stdout } = await exec(bin, [...args, '--config-file', join(work, `${configName}.config`)], {
    maxBuffer: 1 << 26,
    env: { ...process.env, KOPIA_PASSWORD: 'static-passw0rd', KOPIA_CHECK_FOR_UPDATES: 'false' },
  });
  return stdout;
}

/** Connects the kopia CLI to a repository and restores a snapshot; returns the restored tree. */
async function kopiaRestore(configName: string, connect: string[], snapshotId: string) {
  await kopia(configName, [
    'repository',
    'connect',
    ...connect,
    '--cache-directory',
    join(work, `${configName}.cache`),
    '--no-persist-credentials',
  ]);
  const list = JSON.parse(await kopia(configName, ['snapshot', 'list', '--all', '--json'])) as {
    id: string;
    source: { host: string; userName: string; path: string };
    tags?: Record<string, string>;
  }[];
  const out = join(work, `${configName}-restore`);
  await kopia(configName, ['snapshot', 'restore', snapshotId, out]);
  return { list, tree: await describeTree(out) };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lifeboat-pvb-'));
  t = await simulatedPodVolumes(harness, 'pvb', { agents: false });
  ({ locations } = t);
  node = t.first.node;
  await createNamespace(client, app);
  // A local PV bound to a claim (the PV controller binds them; the agent reads spec.volumeName).
  const pv = `${app}-local`;
  await client.json({
    method: 'POST',
    path: '/api/v1/persistentvolumes',
    body: {
      metadata: { name: pv },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'local',
        local: { path: '/mnt/disks/data' },
        claimRef: { namespace: app, name: 'data' },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node.name] }] },
            ],
          },
        },
      },
    },
  });
  await client.json({
    method: 'POST',
    path: `/api/v1/namespaces/${app}/persistentvolumeclaims`,
    body: {
      metadata: { name: 'data' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'local',
        volumeName: pv,
        resources: { requests: { storage: '1Gi' } },
      },
    },
  });
  const dbUid = await createBoundPod(client, {
    namespace: app,
    name: 'db',
    nodeName: node.name,
    annotations: { 'backup.velero.io/backup-volumes': 'scratch,data' },
    volumes: [
      { name: 'scratch', emptyDir: {} },
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
    ],
  });
  volumes['scratch'] = await node.volumeDir(dbUid, 'kubernetes.io~empty-dir', 'scratch');
  volumes['data'] = await node.volumeDir(dbUid, 'kubernetes.io~local-volume', pv);
  await fillVolume(volumes['scratch'], 'scratch');
  await fillVolume(volumes['data'], 'data');
  await createBoundPod(client, {
    namespace: app,
    name: 'host',
    nodeName: node.name,
    annotations: { 'backup.velero.io/backup-volumes': 'logs' },
    volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }],
  });
  await createBoundPod(client, {
    namespace: app,
    name: 'waiting',
    nodeName: node.name,
    phase: 'Pending',
    annotations: { 'backup.velero.io/backup-volumes': 'cache' },
    volumes: [{ name: 'cache', emptyDir: {} }],
  });
  t.first.startAgent();
}, 300_000);

afterAll(async () => {
  await t?.close([app]);
  await client
    .json({ method: 'DELETE', path: `/api/v1/persistentvolumes/${app}-local` })
    .catch(() => undefined);
  await rm(work, { recursive: true, force: true });
  client.close();
});

describe('pod volume backup (simulated node)', () => {
  let firstIncremental = 0;

  it('backs up an emptyDir and a local-PV volume; Velero records; the kopia CLI restores them byte for byte', async () => {
    const run = await t.backup('pvb-one', app);
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const pvbs = (await t.sidecar('pvb-one', 'podvolumebackups.json.gz')) as {
      apiVersion: string;
      metadata: {
        generateName: string;
        namespace: string;
        labels: Record<string, string>;
        annotations?: Record<string, string>;
        ownerReferences: { kind: string; name: string }[];
      };
      spec: {
        node: string;
        volume: string;
        pod: { name: string; namespace: string; kind: string };
        uploaderType: string;
        tags: Record<string, string>;
      };
      status: {
        phase: string;
        snapshotID: string;
        progress: { totalBytes: number; bytesDone: number };
        incrementalBytes: number;
      };
    }[];
    expect(pvbs.map((p) => p.spec.volume).sort()).toEqual(['data', 'scratch']);
    const velero = JSON.parse(
      await readFile(join(locations.fsRoot, 'backups', 'pvb-one', 'velero-backup.json'), 'utf8'),
    ) as {
      metadata: { uid: string };
      status: { phase: string; warnings?: number };
    };
    for (const p of pvbs) {
      expect(p.apiVersion).toBe('velero.io/v1');
      expect(p.metadata.generateName).toBe('pvb-one-');
      expect(p.metadata.namespace).toBe('velero');
      expect(p.metadata.labels).toMatchObject({
        'velero.io/backup-name': 'pvb-one',
        'velero.io/backup-uid': velero.metadata.uid,
      });
      expect(p.metadata.ownerReferences[0]).toMatchObject({ kind: 'Backup', name: 'pvb-one' });
      expect(p.spec).toMatchObject({
        node: node.name,
        uploaderType: 'kopia',
        pod: { kind: 'Pod', namespace: app, name: 'db' },
      });
      expect(p.spec.tags).toMatchObject({ backup: 'pvb-one', ns: app, pod: 'db', volume: p.spec.volume });
      expect(p.status.phase).toBe('Completed');
      expect(p.status.snapshotID).toMatch(/^[0-9a-f]{32}$/);
      expect(p.status.progress.totalBytes).toBeGreaterThan(5 * MiB);
    }
    const data = pvbs.find((p) => p.spec.volume === 'data')!;
    expect(data.metadata.annotations?.['velero.io/pvc-name']).toBe('data');
    expect(data.metadata.labels['velero.io/pvc-uid']).toBeTruthy();
    firstIncremental = data.status.incrementalBytes;
    expect(velero.status.phase).toBe('Completed');
    // Skipped volumes are warnings with their reason: the hostPath volume and the pod not Running.
    expect(velero.status.warnings).toBeGreaterThanOrEqual(2);
    const results = JSON.stringify(await t.sidecar('pvb-one', 'results.gz'));
    expect(results).toContain('volume logs skipped by pod volume backup: hostPath volume');
    expect(results).toContain('volume cache skipped by pod volume backup: pod is Pending, not Running');

    const infos = (await t.sidecar('pvb-one', 'volumeinfo.json.gz')) as Record<string, unknown>[];
    expect(infos).toHaveLength(2);
    expect(infos.find((i) => i['pvcName'] === 'data')).toMatchObject({
      pvcNamespace: app,
      pvName: `${app}-local`,
      backupMethod: 'PodVolumeBackup',
      snapshotDataMoved: false,
      skipped: false,
      result: 'succeeded',
      pvbInfo: {
        snapshotHandle: data.status.snapshotID,
        uploaderType: 'kopia',
        volumeName: 'data',
        podName: 'db',
        podNamespace: app,
        nodeName: node.name,
        Phase: 'Completed',
      },
    });

    const restored = await kopiaRestore(
      'fs',
      ['filesystem', '--path', join(locations.fsRoot, 'kopia', app)],
      data.status.snapshotID,
    );
    const snap = restored.list.find((s) => s.id === data.status.snapshotID)!;
    expect(snap.source).toEqual({
      host: 'default',
      userName: 'default',
      path: `pod-volume-backup-restore/kopia/${app}/db/data`,
    });
    expect(snap.tags).toMatchObject({
      'snapshot-requester': 'pod-volume-backup-restore',
      'snapshot-uploader': 'kopia',
    });
    expect(restored.tree).toEqual(await describeTree(volumes['data']!));
    const scratch = pvbs.find((p) => p.spec.volume === 'scratch')!;
    expect(restored.list.find((s) => s.id === scratch.status.snapshotID)?.source.path).toBe(
      `pod-volume-backup-restore/kopia/${app}/db/scratch`,
    );
    // The coordination objects are gone once the backup has stored its records.
    const left = await client.json<{ items: unknown[] }>({
      path: `/apis/lifeboat.io/v1alpha1/namespaces/${t.agentNs}/podvolumebackups`,
    });
    expect(left.items).toEqual([]);
  }, 600_000);

  it('a second backup of unchanged data is incremental: the parent snapshot is found, few bytes uploaded', async () => {
    const run = await t.backup('pvb-two', app);
    expect(run.status, run.stderr).toBe(0);
    const pvbs = (await t.sidecar('pvb-two', 'podvolumebackups.json.gz')) as {
      spec: { volume: string };
      status: { incrementalBytes: number; progress: { totalBytes: number } };
    }[];
    const data = pvbs.find((p) => p.spec.volume === 'data')!;
    expect(firstIncremental).toBeGreaterThan(5 * MiB);
    expect(data.status.incrementalBytes).toBeLessThan(64 * 1024);
    expect(data.status.progress.totalBytes).toBeGreaterThan(5 * MiB);

    const described = await t.lifeboat('backup', 'describe', 'pvb-two', '--details');
    expect(described.status, described.stderr).toBe(0);
    expect(described.stdout).toContain('Pod volumes (file-system backup): 2 (2 Completed)');
    expect(described.stdout).toMatch(new RegExp(`${app}/db/data +Completed +5\\.\\d MiB`));
    const json = await t.lifeboat('backup', 'describe', 'pvb-two', '-o', 'json');
    const rows = (
      JSON.parse(json.stdout) as {
        podVolumes: { volume: string; phase: string; snapshotID: string; node: string }[];
      }
    ).podVolumes;
    expect(rows.map((r) => [r.volume, r.phase, r.node])).toEqual([
      ['data', 'Completed', node.name],
      ['scratch', 'Completed', node.name],
    ]);
    expect(rows[0]!.snapshotID).toMatch(/^[0-9a-f]{32}$/);
  }, 600_000);

  it('backs up to an S3 location (versitygw): the kopia CLI restores the volume from the bucket', async () => {
    const run = await t.backup('pvb-s3', app, '--storage-location', 's3');
    expect(run.status, run.stderr).toBe(0);
    const storage = kopiaS3Storage(harness.s3!, locations.bucket, `cluster-a/kopia/${app}/`);
    await kopia('s3', [
      'repository',
      'connect',
      ...storage,
      '--cache-directory',
      join(work, 's3.cache'),
      '--no-persist-credentials',
    ]);
    const list = JSON.parse(await kopia('s3', ['snapshot', 'list', '--all', '--json'])) as {
      id: string;
      source: { path: string };
    }[];
    const data = list.filter((s) => s.source.path === `pod-volume-backup-restore/kopia/${app}/db/data`);
    expect(data).toHaveLength(1);
    const out = join(work, 's3-restore');
    await kopia('s3', ['snapshot', 'restore', data[0]!.id, out]);
    expect(await describeTree(out)).toEqual(await describeTree(volumes['data']!));
  }, 600_000);
});
