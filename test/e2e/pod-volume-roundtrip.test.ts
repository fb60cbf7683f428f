/**
 * Pod volume data from one cluster to the other, all lifeboat, on SIMULATED nodes (made-up Node
 * objects with kubelet pods directories in temp dirs; no kubelet runs): `lifeboat agent` runs as a
 * child process for a node of each cluster, `lifeboat backup create` on the source takes the pod's
 * volumes, `lifeboat restore create` on the standby brings the pod back with restore-wait, and the
 * standby's agent writes the data; the test plays the kubelet and scheduler on the standby.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { runCli } from '../helpers/cli.ts';
import { uniqueName } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import { runRestoredPod, treeOf, writeVolumeTree } from '../helpers/pod-volume-restore.ts';
import {
  type AgentProcess,
  createBoundPod,
  createNamespace,
  deleteNamespace,
  installPodVolumeCrds,
  type SimulatedNode,
  simulatedNode,
  startAgentProcess,
} from '../helpers/pod-volumes.ts';

const harness = inject('harness');
const sourceConfig = harness.clusters['source']!.kubeconfig;
const standbyConfig = harness.clusters['standby']!.kubeconfig;
const source = new KubeClient(loadKubeConfig({ kubeconfig: sourceConfig }));
const standby = new KubeClient(loadKubeConfig({ kubeconfig: standbyConfig }));
const agentNs = uniqueName('lb-rt');
const app = uniqueName('rt-app');
const restored = `${app}-dr`;

let locations: LocationsFixture;
let work: string;
let sourceNode: SimulatedNode;
let standbyNode: SimulatedNode;
const agents: AgentProcess[] = [];
const sourceDirs = new Map<string, string>();

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], {
    env: { ...locations.env, LIFEBOAT_NAMESPACE: agentNs },
    timeoutMs: 170_000,
  });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lifeboat-rt-'));
  locations = await createLocations(harness);
  for (const client of [source, standby]) {
    await installPodVolumeCrds(client);
    await createNamespace(client, agentNs);
  }
  await createNamespace(source, app);
  sourceNode = await simulatedNode(source, uniqueName('sim-src'));
  standbyNode = await simulatedNode(standby, uniqueName('sim-dr'));
  const uid = await createBoundPod(source, {
    namespace: app,
    name: 'db',
    nodeName: sourceNode.name,
    annotations: { 'backup.velero.io/backup-volumes': 'data,journal' },
    volumes: [
      { name: 'data', emptyDir: {} },
      { name: 'journal', emptyDir: {} },
    ],
  });
  for (const volume of ['data', 'journal']) {
    const dir = await sourceNode.volumeDir(uid, 'kubernetes.io~empty-dir', volume);
    await writeVolumeTree(dir, `${app}-${volume}`);
    sourceDirs.set(volume, dir);
  }
  for (const [node, kubeconfig] of [
    [sourceNode, sourceConfig],
    [standbyNode, standbyConfig],
  ] as const)
    agents.push(
      startAgentProcess({
        nodeName: node.name,
        hostPods: node.hostPods,
        namespace: agentNs,
        kubeconfig,
        env: locations.env,
      }),
    );
}, 300_000);

afterAll(async () => {
  for (const agent of agents) await agent.stop();
  await deleteNamespace(source, app);
  await deleteNamespace(standby, restored);
  for (const client of [source, standby]) await deleteNamespace(client, agentNs);
  await sourceNode?.remove();
  await standbyNode?.remove();
  await locations?.cleanup();
  await rm(work, { recursive: true, force: true });
  source.close();
  standby.close();
});

describe('pod volume data across clusters (simulated nodes)', () => {
  it("lifeboat's own backup restores on the standby byte for byte, through the agent processes", async () => {
    const backup = await lifeboat(
      ...['backup', 'create', `${app}-b`, '--kubeconfig', sourceConfig, '--include-namespaces', app],
    );
    expect(backup.status, backup.stdout + backup.stderr).toBe(0);

    const run = lifeboat(
      ...['restore', 'create', `${app}-r`, '--from-backup', `${app}-b`, '--kubeconfig', standbyConfig],
      ...['--namespace-mappings', `${app}:${restored}`, '--pod-volume-timeout', '2m'],
    );
    const { pod, dirs } = await runRestoredPod(standby, standbyNode, restored, 'db');
    const result = await run;
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`Restore "${app}-r" Completed`);
    expect([...dirs.keys()].sort()).toEqual(['data', 'journal']);
    for (const [volume, dir] of dirs) {
      expect(await treeOf(dir)).toEqual(await treeOf(sourceDirs.get(volume) ?? ''));
      expect(await readdir(join(dir, '.velero'))).toHaveLength(1);
    }
    const restoreUid = String(
      ((pod['spec'] as { initContainers: { args: string[] }[] }).initContainers[0]?.args ?? [])[0],
    );
    const described = await lifeboat('restore', 'describe', `${app}-r`);
    expect(described.stdout).toContain('Pod volume restores (kopia): Completed 2');
    expect(described.stdout).toMatch(new RegExp(`${restored}/db\\s+journal\\s+Completed`));
    expect(restoreUid).toMatch(/^[0-9a-f-]{36}$/);
  });
});
