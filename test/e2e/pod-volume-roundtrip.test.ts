/**
 * Pod volume data from one cluster to the other, all lifeboat, on SIMULATED nodes (made-up Node
 * objects with kubelet pods directories in temp dirs; no kubelet runs): `lifeboat agent` runs as a
 * child process for a node of each cluster, `lifeboat backup create` on the source takes the pod's
 * volumes, `lifeboat restore create` on the standby brings the pod back with restore-wait, and the
 * standby's agent writes the data; the test plays the kubelet and scheduler on the standby.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../helpers/kube.ts';
import { runRestoredPod, treeOf, writeVolumeTree } from '../helpers/pod-volume-restore.ts';
import { createBoundPod, createNamespace } from '../helpers/pod-volumes.ts';
import {
  type SimulatedCluster,
  type SimulatedPodVolumes,
  simulatedPodVolumes,
} from '../helpers/pod-volumes-simulated.ts';

const harness = inject('harness');
const app = uniqueName('rt-app');
const restored = `${app}-dr`;

let t: SimulatedPodVolumes;
let source: SimulatedCluster;
let standby: SimulatedCluster;
const sourceDirs = new Map<string, string>();

beforeAll(async () => {
  t = await simulatedPodVolumes(harness, 'rt', { clusters: ['source', 'standby'] });
  const [s, d] = [t.clusters.get('source'), t.clusters.get('standby')];
  if (s === undefined || d === undefined) throw new Error('no clusters');
  [source, standby] = [s, d];
  await createNamespace(source.client, app);
  const uid = await createBoundPod(source.client, {
    namespace: app,
    name: 'db',
    nodeName: source.node.name,
    annotations: { 'backup.velero.io/backup-volumes': 'data,journal' },
    volumes: [
      { name: 'data', emptyDir: {} },
      { name: 'journal', emptyDir: {} },
    ],
  });
  for (const volume of ['data', 'journal']) {
    const dir = await source.node.volumeDir(uid, 'kubernetes.io~empty-dir', volume);
    await writeVolumeTree(dir, `${app}-${volume}`);
    sourceDirs.set(volume, dir);
  }
}, 300_000);

afterAll(async () => {
  await t?.close([app, restored]);
});

describe('pod volume data across clusters (simulated nodes)', () => {
  it("lifeboat's own backup restores on the standby byte for byte, through the agent processes", async () => {
    const backup = await t.backup(`${app}-b`, app);
    expect(backup.status, backup.stdout + backup.stderr).toBe(0);

    const run = t.lifeboat(
      ...['restore', 'create', `${app}-r`, '--from-backup', `${app}-b`, '--kubeconfig', standby.kubeconfig],
      ...['--namespace-mappings', `${app}:${restored}`, '--pod-volume-timeout', '2m'],
    );
    const { pod, dirs } = await runRestoredPod(standby.client, standby.node, restored, 'db');
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
    const described = await t.lifeboat('restore', 'describe', `${app}-r`);
    expect(described.stdout).toContain('Pod volume restores (kopia): Completed 2');
    expect(described.stdout).toMatch(new RegExp(`${restored}/db\\s+journal\\s+Completed`));
    expect(restoreUid).toMatch(/^[0-9a-f-]{36}$/);
  }, 600_000);
});
