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
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { runCli } from '../helpers/cli.ts';
import { kopiaBinaries, kopiaS3Storage } from '../helpers/kopia.ts';
import { uniqueName } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import {
  type AgentProcess,
  createBoundPod,
  createNamespace,
  deleteNamespace,
  fillVolume,
  installPodVolumeCrds,
  type SimulatedNode,
  simulatedNode,
  startAgentProcess,
} from '../helpers/pod-volumes.ts';
import { describeTree } from '../integration/kopia-write.support.ts';

const exec = promisify(execFile);
const harness = inject('harness');
const kubeconfig = harness.clusters['source']!.kubeconfig;
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const agentNs = uniqueName('lb-pvb');
const app = uniqueName('pvb-app');
const MiB = 1 << 20;

let locations: LocationsFixture;
let node: SimulatedNode;
let work: string;
let agent: AgentProcess | undefined;
const volumes: Record<string, string> = {};

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], { env: { ...locations.env, LIFEBOAT_NAMESPACE: agentNs } });

async function backup(name: string, namespace: string, ...extra: string[]) {
  return lifeboat(
    'backup',
    'create',
    name,
    '--kubeconfig',
    kubeconfig,
    '--include-namespaces',
    namespace,
    ...extra,
  );
}

async function readSidecar(root: string, backupName: string, file: string): Promise<unknown> {
  return JSON.parse(
    gunzipSync(await readFile(join(root, 'backups', backupName, `${backupName}-${file}`))).toString(),
  );
}

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
  locations = await createLocations(harness);
  await installPodVolumeCrds(client);
  await createNamespace(client, agentNs);
  await createNamespace(client, app);
  node = await simulatedNode(client, uniqueName('sim-node'));
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
  agent = startAgentProcess({
    nodeName: node.name,
    hostPods: node.hostPods,
    namespace: agentNs,
    kubeconfig,
    env: locations.env,
  });
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  await deleteNamespace(client, app);
  await deleteNamespace(client, agentNs);
  await client
    .json({ method: 'DELETE', path: `/api/v1/persistentvolumes/${app}-local` })
    .catch(() => undefined);
  await node?.remove();
  await locations?.cleanup();
  await rm(work, { recursive: true, force: true });
  client.close();
});

describe('pod volume backup (simulated node)', () => {
  let firstIncremental = 0;

  it('backs up an emptyDir and a local-PV volume; Velero records; the kopia CLI restores them byte for byte', async () => {
    const run = await backup('pvb-one', app);
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const pvbs = (await readSidecar(locations.fsRoot, 'pvb-one', 'podvolumebackups.json.gz')) as {
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
    const results = JSON.stringify(await readSidecar(locations.fsRoot, 'pvb-one', 'results.gz'));
    expect(results).toContain('volume logs skipped by pod volume backup: hostPath volume');
    expect(results).toContain('volume cache skipped by pod volume backup: pod is Pending, not Running');

    const infos = (await readSidecar(locations.fsRoot, 'pvb-one', 'volumeinfo.json.gz')) as Record<
      string,
      unknown
    >[];
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
      path: `/apis/lifeboat.io/v1alpha1/namespaces/${agentNs}/podvolumebackups`,
    });
    expect(left.items).toEqual([]);
  });

  it('a second backup of unchanged data is incremental: the parent snapshot is found, few bytes uploaded', async () => {
    const run = await backup('pvb-two', app);
    expect(run.status, run.stderr).toBe(0);
    const pvbs = (await readSidecar(locations.fsRoot, 'pvb-two', 'podvolumebackups.json.gz')) as {
      spec: { volume: string };
      status: { incrementalBytes: number; progress: { totalBytes: number } };
    }[];
    const data = pvbs.find((p) => p.spec.volume === 'data')!;
    expect(firstIncremental).toBeGreaterThan(5 * MiB);
    expect(data.status.incrementalBytes).toBeLessThan(64 * 1024);
    expect(data.status.progress.totalBytes).toBeGreaterThan(5 * MiB);

    const described = await lifeboat('backup', 'describe', 'pvb-two', '--details');
    expect(described.status, described.stderr).toBe(0);
    expect(described.stdout).toContain('Pod volumes (file-system backup): 2 (2 Completed)');
    expect(described.stdout).toMatch(new RegExp(`${app}/db/data +Completed +5\\.\\d MiB`));
    const json = await lifeboat('backup', 'describe', 'pvb-two', '-o', 'json');
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
  });

  it('backs up to an S3 location (versitygw): the kopia CLI restores the volume from the bucket', async () => {
    const run = await backup('pvb-s3', app, '--storage-location', 's3');
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
  });
});
