/**
 * A pod volume restore whose pod lands on a node without a lifeboat agent, on a SIMULATED node (a
 * made-up Node object; no kubelet, no agent): the restore does not wait out its timeout but fails the
 * volume once the node's agent heartbeat stays absent, naming the node, and cancels the work object.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { parsePodVolumeRestore } from '../../src/model/index.ts';
import { runCli } from '../helpers/cli.ts';
import { uniqueName } from '../helpers/kube.ts';
import { writeFilesystemConfig } from '../helpers/locations.ts';
import {
  backedUpPod,
  runRestoredPod,
  veleroPodVolumeBackup,
  veleroSnapshot,
  writePodVolumeBackup,
  writeVolumeTree,
} from '../helpers/pod-volume-restore.ts';
import {
  createNamespace,
  deleteNamespace,
  installPodVolumeCrds,
  type SimulatedNode,
  simulatedNode,
} from '../helpers/pod-volumes.ts';

const harness = inject('harness');
const kubeconfig = harness.clusters['standby']!.kubeconfig;
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const agentNamespace = uniqueName('lb-pvr-f');
const created: string[] = [agentNamespace];
let work: string;
let fsRoot: string;
let configPath: string;
let node: SimulatedNode;

beforeAll(async () => {
  await installPodVolumeCrds(client);
  await createNamespace(client, agentNamespace);
  work = await mkdtemp(join(tmpdir(), 'lifeboat-pvr-f-'));
  fsRoot = join(work, 'location');
  configPath = join(work, 'config.yaml');
  await writeFilesystemConfig(configPath, fsRoot);
  node = await simulatedNode(client, uniqueName('sim-noagent'));
}, 120_000);

afterAll(async () => {
  for (const ns of created) await deleteNamespace(client, ns);
  client.close();
  await node.remove();
  await rm(work, { recursive: true, force: true });
});

describe('pod volume restore without an agent on the pod node (simulated node)', () => {
  it('fails the volume naming the node instead of waiting out the timeout', async () => {
    const id = randomBytes(3).toString('hex');
    const ns = `noagent-${id}`;
    created.push(ns);
    const backup = `fsb-noagent-${id}`;
    const dir = join(work, 'data');
    await writeVolumeTree(dir, id);
    const snap = await veleroSnapshot(work, fsRoot, { namespace: ns, pod: 'web', volume: 'data', dir });
    await writePodVolumeBackup(
      fsRoot,
      backup,
      ns,
      [backedUpPod(ns, 'web', ['data'])],
      [veleroPodVolumeBackup(backup, { namespace: ns, name: 'web' }, 'data', snap)],
    );
    const run = runCli(
      [
        ...['--log-level', 'error', 'restore', 'create', `r-${backup}`, '--from-backup', backup],
        ...['--kubeconfig', kubeconfig, '--pod-volume-namespace', agentNamespace],
        ...['--pod-volume-timeout', '10m'],
      ],
      { env: { LIFEBOAT_CONFIG: configPath }, timeoutMs: 170_000 },
    );
    await runRestoredPod(client, node, ns, 'web');
    const result = await run;
    expect(result.status, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toContain('PartiallyFailed');
    const described = await runCli(['restore', 'describe', `r-${backup}`], {
      env: { LIFEBOAT_CONFIG: configPath },
    });
    expect(described.stdout).toContain(`no lifeboat agent runs on node ${node.name}`);
    const list = await client.json<{ items: unknown[] }>({
      path: `/apis/lifeboat.io/v1alpha1/namespaces/${agentNamespace}/podvolumerestores`,
    });
    const pvrs = list.items.map((i) => parsePodVolumeRestore(i));
    expect(pvrs.map((p) => [p.spec.volume, p.spec.cancel])).toEqual([['data', true]]);
  });
});
