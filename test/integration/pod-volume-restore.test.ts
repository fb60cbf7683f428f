/**
 * Velero-made pod volume backups restored by lifeboat into the harness's standby cluster, on a
 * SIMULATED node: the kopia CLI snapshots directories the way Velero's uploader does, a Velero-shaped
 * backup holds the pod and `<b>-podvolumebackups.json.gz`; `lifeboat restore create` (the CLI, a
 * child process) gives the pod restore-wait and creates a PodVolumeRestore per volume; the test plays
 * the kubelet (binds the pod to a made-up node, lays out its volume directories, reports restore-wait
 * running) and a node agent runs in this process; the data must come back byte for byte.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NodeAgent, podVolumeRestoreWorker } from '../../src/app/agent/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { parsePodVolumeRestore, type PodVolumeRestore } from '../../src/model/index.ts';
import { eventually } from '../helpers/kube.ts';
import {
  backedUpPod,
  runRestoredPod,
  treeOf,
  veleroPodVolumeBackup,
  veleroSnapshot,
  writePodVolumeBackup,
  writeVolumeTree,
} from '../helpers/pod-volume-restore.ts';
import {
  type VeleroMadeStandby,
  veleroMadePodBackup,
  veleroMadeStandby,
} from '../helpers/pod-volumes-velero-made.ts';

let t: VeleroMadeStandby;
let agent: NodeAgent;

async function podVolumeRestores(restoreUid: string): Promise<PodVolumeRestore[]> {
  const list = await t.client.json<{ items: unknown[] }>({
    path: `/apis/lifeboat.io/v1alpha1/namespaces/${t.agentNamespace}/podvolumerestores`,
    query: { labelSelector: `velero.io/restore-uid=${restoreUid}` },
  });
  return list.items.map((i) => parsePodVolumeRestore(i));
}

beforeAll(async () => {
  t = await veleroMadeStandby(inject('harness'), 'pvr');
  agent = new NodeAgent({
    client: t.client,
    namespace: t.agentNamespace,
    nodeName: t.node.name,
    hostPods: t.node.hostPods,
    configPath: t.configPath,
    workers: [podVolumeRestoreWorker()],
    logger: silentLogger(),
    concurrency: 2,
    pollMs: 250,
    progressMs: 200,
    heartbeatMs: 2_000,
  });
  await agent.start();
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await t?.close();
});

describe('pod volume restore of a Velero-made backup (simulated node)', () => {
  it('restores two volumes of a pod into a mapped namespace byte for byte; restore-wait then ends', async () => {
    const id = randomBytes(3).toString('hex');
    const source = `app-${id}`;
    const target = `app-copy-${id}`;
    t.created.push(target);
    const backup = `fsb-${id}`;
    const sources = await veleroMadePodBackup(t, backup, source, 'db-0', ['data', 'logs']);

    const run = t.restore(
      backup,
      ...['--namespace-mappings', `${source}:${target}`, '--pod-volume-timeout', '2m', '-o', 'json'],
    );
    const { pod, dirs } = await runRestoredPod(t.client, t.node, target, 'db-0');
    const result = await run;
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      restore: { phase: string; podVolumes: { volume: string; phase: string; bytesDone: number }[] };
    };
    expect(last.restore.phase).toBe('Completed');
    expect(last.restore.podVolumes.map((v) => [v.volume, v.phase])).toEqual([
      ['data', 'Completed'],
      ['logs', 'Completed'],
    ]);

    // The pod waits for its data: restore-wait first, with the restore's UID and one mount per volume.
    const inits = (pod['spec'] as { initContainers: Record<string, unknown>[] }).initContainers;
    expect(inits[0]).toMatchObject({ name: 'restore-wait', image: 'lifeboat:dev' });
    // (The API server's service account admission adds its token mount to every container.)
    const mounts = (inits[0]?.['volumeMounts'] as { name: string; mountPath: string }[]).filter((m) =>
      m.mountPath.startsWith('/restores/'),
    );
    expect(mounts).toEqual([
      { name: 'data', mountPath: '/restores/data' },
      { name: 'logs', mountPath: '/restores/logs' },
    ]);
    const restoreUid = String((inits[0]?.['args'] as string[])[0]);
    const pvrs = await podVolumeRestores(restoreUid);
    expect(pvrs.map((p) => p.spec.volume).sort()).toEqual(['data', 'logs']);
    for (const p of pvrs) {
      expect(p.metadata.labels).toMatchObject({
        'velero.io/restore-name': `r-${backup}`,
        'velero.io/pod-uid': pod.metadata['uid'],
      });
      expect(p.spec).toMatchObject({
        sourceNamespace: source,
        backupStorageLocation: 'fs',
        uploaderType: 'kopia',
      });
      expect(p.spec.pod).toMatchObject({ namespace: target, name: 'db-0', uid: pod.metadata['uid'] });
      expect(p.status).toMatchObject({ phase: 'Completed', node: t.node.name });
    }

    for (const [volume, dir] of dirs) {
      expect(await treeOf(dir)).toEqual(await treeOf(sources.get(volume) ?? ''));
      expect(await readdir(join(dir, '.velero'))).toEqual([restoreUid]);
    }

    // The init container's command finds every marker, removes them and ends.
    const volumesDir = join(
      t.node.hostPods,
      String(pod.metadata['uid']),
      'volumes',
      'kubernetes.io~empty-dir',
    );
    const helper = await t.lifeboat('restore-helper', restoreUid, '--restores-dir', volumesDir);
    expect(helper.status, helper.stderr).toBe(0);
    for (const dir of dirs.values()) expect(await readdir(dir)).not.toContain('.velero');

    const described = await t.lifeboat('restore', 'describe', `r-${backup}`);
    expect(described.stdout).toContain('Pod volume restores (kopia): Completed 2');
    expect(described.stdout).toMatch(new RegExp(`${target}/db-0\\s+data\\s+Completed`));
  }, 600_000);

  it('fails only the volume whose snapshot is missing: the restore is PartiallyFailed naming it', async () => {
    const id = randomBytes(3).toString('hex');
    const source = `lost-${id}`;
    t.created.push(source);
    const backup = `fsb-lost-${id}`;
    const dir = join(t.work, `${id}-kept`);
    await writeVolumeTree(dir, id);
    const snap = await veleroSnapshot(t.work, t.fsRoot, {
      namespace: source,
      pod: 'web',
      volume: 'kept',
      dir,
    });
    const pvbs = [
      veleroPodVolumeBackup(backup, { namespace: source, name: 'web' }, 'kept', snap),
      veleroPodVolumeBackup(backup, { namespace: source, name: 'web' }, 'lost', {
        id: 'f'.repeat(32),
        size: 10,
      }),
    ];
    await writePodVolumeBackup(
      t.fsRoot,
      backup,
      source,
      [backedUpPod(source, 'web', ['kept', 'lost'])],
      pvbs,
    );

    const run = t.restore(backup, '--pod-volume-timeout', '2m');
    const { dirs } = await runRestoredPod(t.client, t.node, source, 'web');
    const result = await run;
    expect(result.status, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toContain('PartiallyFailed');
    expect(await treeOf(dirs.get('kept') ?? '')).toEqual(await treeOf(dir));
    expect(await readdir(dirs.get('lost') ?? '')).toEqual([]);

    const described = await t.lifeboat('restore', 'describe', `r-${backup}`);
    expect(described.stdout).toContain(`pod volume restore failed for volume lost of pod ${source}/web`);
    expect(described.stdout).toMatch(new RegExp(`${source}/web\\s+kept\\s+Completed`));
    expect(described.stdout).toMatch(new RegExp(`${source}/web\\s+lost\\s+Failed`));
  }, 600_000);

  it('restores a claim of a backed-up volume without volumeName onto the mapped class, and its data into the new PV', async () => {
    const id = randomBytes(3).toString('hex');
    const ns = `pvc-${id}`;
    t.created.push(ns);
    const backup = `fsb-pvc-${id}`;
    const claim = 'data-db-0';
    const dir = join(t.work, `${id}-claim`);
    await writeVolumeTree(dir, id);
    const snap = await veleroSnapshot(t.work, t.fsRoot, { namespace: ns, pod: 'db-0', volume: claim, dir });
    const pvb = veleroPodVolumeBackup(backup, { namespace: ns, name: 'db-0' }, 'data', snap) as {
      metadata: { annotations?: Record<string, string> };
    };
    pvb.metadata.annotations = { 'velero.io/pvc-name': claim };
    const pod = backedUpPod(ns, 'db-0', []);
    (pod['spec'] as { volumes: object[] }).volumes.unshift({
      name: 'data',
      persistentVolumeClaim: { claimName: claim },
    });
    (pod['spec'] as { containers: { volumeMounts: object[] }[] }).containers[0]?.volumeMounts.push({
      name: 'data',
      mountPath: '/var/lib/data',
    });
    const oldPv = `pv-old-${id}`;
    const others = [
      {
        groupResource: 'persistentvolumeclaims',
        item: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: claim, namespace: ns, annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
            storageClassName: 'fast',
            volumeName: oldPv,
          },
          status: { phase: 'Bound' },
        },
      },
      {
        groupResource: 'persistentvolumes',
        item: {
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { name: oldPv },
          spec: {
            capacity: { storage: '1Gi' },
            accessModes: ['ReadWriteOnce'],
            persistentVolumeReclaimPolicy: 'Retain',
            storageClassName: 'fast',
            claimRef: { namespace: ns, name: claim, uid: 'old-claim-uid' },
            csi: { driver: 'disk.csi.example.com', volumeHandle: 'vol-1' },
          },
        },
      },
    ];
    await writePodVolumeBackup(t.fsRoot, backup, ns, [pod], [pvb], others);

    const run = t.restore(
      backup,
      '--storage-class-mappings',
      'fast:standby-local',
      '--pod-volume-timeout',
      '2m',
    );
    // The provisioner's part: a new local PV for the claim on the (simulated) node, bound to it.
    const claimPath = `/api/v1/namespaces/${ns}/persistentvolumeclaims/${claim}`;
    const restoredClaim = await eventually(
      'claim restored',
      () => t.client.json<{ spec: Record<string, unknown> }>({ path: claimPath }).catch(() => undefined),
      { timeoutMs: 170_000 },
    );
    expect(restoredClaim.spec['volumeName'] ?? '').toBe('');
    expect(restoredClaim.spec['storageClassName']).toBe('standby-local');
    const newPv = `pv-new-${id}`;
    await t.client.json({
      method: 'POST',
      path: '/api/v1/persistentvolumes',
      body: {
        metadata: { name: newPv },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'standby-local',
          claimRef: { namespace: ns, name: claim },
          local: { path: '/mnt/disks/x' },
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'kubernetes.io/hostname', operator: 'In', values: [t.node.name] },
                  ],
                },
              ],
            },
          },
        },
      },
    });
    t.created.push(`pv:${newPv}`);
    await t.client.json({
      method: 'PATCH',
      path: claimPath,
      contentType: 'application/merge-patch+json',
      body: { spec: { volumeName: newPv } },
    });
    const { dirs } = await runRestoredPod(t.client, t.node, ns, 'db-0', () => [
      'kubernetes.io~local-volume',
      newPv,
    ]);
    const result = await run;
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(await treeOf(dirs.get('data') ?? '')).toEqual(await treeOf(dir));
    const oldInTarget = await t.client.json({ path: `/api/v1/persistentvolumes/${oldPv}` }).then(
      () => true,
      () => false,
    );
    expect(oldInTarget).toBe(false);
  }, 600_000);
});
