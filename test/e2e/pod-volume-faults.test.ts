/**
 * Pod volume backup when things go wrong, on a simulated node (a made-up Node object and a kubelet
 * pods directory in a temp dir; `lifeboat agent` as a child process): a volume whose directory is
 * missing fails that volume only; an agent killed mid-upload fails its volume once its Lease
 * expires, and a new backup with a running agent succeeds.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { eventually, uniqueName } from '../helpers/kube.ts';
import { createBoundPod, createNamespace, fillVolume } from '../helpers/pod-volumes.ts';
import { type SimulatedPodVolumes, simulatedPodVolumes } from '../helpers/pod-volumes-simulated.ts';

const harness = inject('harness');
const kubeconfig = harness.clusters['source']!.kubeconfig;
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const half = uniqueName('pvf-half');
const big = uniqueName('pvf-big');

let t: SimulatedPodVolumes;
const backup = (name: string, namespace: string, ...extra: string[]) => t.backup(name, namespace, ...extra);
const sidecar = (backupName: string, file: string) => t.sidecar(backupName, file);

beforeAll(async () => {
  t = await simulatedPodVolumes(harness, 'pvf', { agents: false });
  const node = t.first.node;
  for (const ns of [half, big]) await createNamespace(client, ns);
  const halfUid = await createBoundPod(client, {
    namespace: half,
    name: 'app',
    nodeName: node.name,
    annotations: { 'backup.velero.io/backup-volumes': 'good,lost' },
    volumes: [
      { name: 'good', emptyDir: {} },
      { name: 'lost', emptyDir: {} },
    ],
  });
  await fillVolume(await node.volumeDir(halfUid, 'kubernetes.io~empty-dir', 'good'), 'good', 1);
  const bigUid = await createBoundPod(client, {
    namespace: big,
    name: 'db',
    nodeName: node.name,
    annotations: { 'backup.velero.io/backup-volumes': 'data' },
    volumes: [{ name: 'data', emptyDir: {} }],
  });
  await fillVolume(await node.volumeDir(bigUid, 'kubernetes.io~empty-dir', 'data'), 'big', 256);
  t.first.startAgent();
}, 300_000);

afterAll(async () => {
  await t?.close([half, big]);
  client.close();
});

describe('pod volume backup faults (simulated node)', () => {
  it('a volume whose directory is missing fails that volume only: PartiallyFailed naming it', async () => {
    const run = await backup('pvf-half', half);
    expect(run.status, run.stderr).toBe(3);
    const results = JSON.stringify(await sidecar('pvf-half', 'results.gz'));
    expect(results).toContain(`pod volume backup of volume lost of pod ${half}/app Failed`);
    expect(results).toContain('no directory');
    expect(results).not.toContain('volume good');
    const infos = (await sidecar('pvf-half', 'volumeinfo.json.gz')) as {
      result: string;
      pvbInfo: { volumeName: string };
    }[];
    expect(Object.fromEntries(infos.map((i) => [i.pvbInfo.volumeName, i.result]))).toEqual({
      good: 'succeeded',
      lost: 'failed',
    });
  }, 600_000);

  it('an agent killed mid-upload fails its volume (PartiallyFailed naming it); a new backup with a running agent succeeds', async () => {
    const running = backup('pvf-killed', big);
    const path = `/apis/lifeboat.io/v1alpha1/namespaces/${t.agentNs}/podvolumebackups`;
    await eventually(
      'the upload under way',
      async () => {
        const list = await client.json<{
          items: { status?: { phase?: string; progress?: { bytesDone?: number } } }[];
        }>({ path });
        return list.items.some((p) => p.status?.phase === 'InProgress') ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    await t.first.agent?.stop('SIGKILL');
    const run = await running;
    expect(run.status, run.stderr).toBe(3);
    const results = JSON.stringify(await sidecar('pvf-killed', 'results.gz'));
    expect(results).toContain(`pod volume backup of volume data of pod ${big}/db Failed`);
    expect(results).toContain(
      `the lifeboat agent on node ${t.first.node.name} stopped while backing up the volume`,
    );

    t.first.startAgent();
    const again = await backup('pvf-again', big);
    expect(again.status, again.stderr).toBe(0);
    const pvbs = (await sidecar('pvf-again', 'podvolumebackups.json.gz')) as {
      status: { phase: string; snapshotID: string };
    }[];
    expect(pvbs.map((p) => p.status.phase)).toEqual(['Completed']);
  }, 600_000);

  it("without the agents' namespace (or CRDs) the pod's volumes fail, saying what to install", async () => {
    const run = await backup('pvf-nowhere', half, '--pod-volume-namespace', `${t.agentNs}-absent`);
    expect(run.status, run.stderr).toBe(3);
    const results = JSON.stringify(await sidecar('pvf-nowhere', 'results.gz'));
    expect(results).toContain(
      `cannot hand pod volumes to the lifeboat agents in namespace ${t.agentNs}-absent`,
    );
    expect(results).toContain('apply deploy/kubernetes/volumes/');
  }, 600_000);
});
