/**
 * A pod volume restore interrupted (SIGINT, as Ctrl-C) while its pod waits in restore-wait, then run
 * again with the same command, on a SIMULATED node of the standby: the second run keeps the restore's
 * UID (the one the existing pod's restore-wait waits for), follows the PodVolumeRestore the first run
 * made, asks again for a volume whose request was lost, and the data comes back with the marker the
 * pod waits for.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NodeAgent, podVolumeRestoreWorker } from '../../src/app/agent/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { parsePodVolumeRestore, type PodVolumeRestore } from '../../src/model/index.ts';
import { type CliResult, MAIN } from '../helpers/cli.ts';
import { eventually } from '../helpers/kube.ts';
import { runRestoredPod, treeOf } from '../helpers/pod-volume-restore.ts';
import {
  type VeleroMadeStandby,
  veleroMadePodBackup,
  veleroMadeStandby,
} from '../helpers/pod-volumes-velero-made.ts';

let t: VeleroMadeStandby;
const agents: NodeAgent[] = [];

/** A node agent for the simulated node; with no workers it only renews the node's heartbeat Lease. */
async function startAgent(takesWork: boolean): Promise<NodeAgent> {
  const agent = new NodeAgent({
    client: t.client,
    namespace: t.agentNamespace,
    nodeName: t.node.name,
    hostPods: t.node.hostPods,
    configPath: t.configPath,
    workers: takesWork ? [podVolumeRestoreWorker()] : [],
    logger: silentLogger(),
    concurrency: 2,
    pollMs: 250,
    progressMs: 200,
    heartbeatMs: 2_000,
  });
  await agent.start();
  agents.push(agent);
  return agent;
}

/** The CLI as a child process that the test can interrupt as an operator's Ctrl-C does. */
function startCli(args: string[]): { interrupt(): void; done: Promise<CliResult> } {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN, '--log-level', 'error', ...args], {
    env: { ...process.env, LIFEBOAT_CONFIG: t.configPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
  });
  return { interrupt: () => child.kill('SIGINT'), done };
}

async function podVolumeRestores(restoreUid: string): Promise<PodVolumeRestore[]> {
  const list = await t.client.json<{ items: unknown[] }>({
    path: `/apis/lifeboat.io/v1alpha1/namespaces/${t.agentNamespace}/podvolumerestores`,
    query: { labelSelector: `velero.io/restore-uid=${restoreUid}` },
  });
  return list.items.map((i) => parsePodVolumeRestore(i));
}

beforeAll(async () => {
  t = await veleroMadeStandby(inject('harness'), 'pvr-re');
}, 120_000);

afterAll(async () => {
  for (const agent of agents) await agent.stop();
  await t?.close();
});

describe('a pod volume restore interrupted and run again (simulated node)', () => {
  it('keeps the UID its pods wait for, follows the earlier PodVolumeRestores and asks again for lost ones', async () => {
    const id = randomBytes(3).toString('hex');
    const ns = `resume-${id}`;
    t.created.push(ns);
    const backup = `fsb-resume-${id}`;
    const sources = await veleroMadePodBackup(t, backup, ns, 'db', ['data', 'logs']);
    const args = [
      ...['restore', 'create', `r-${backup}`, '--from-backup', backup, '--kubeconfig', t.kubeconfig],
      ...['--pod-volume-namespace', t.agentNamespace, '--pod-volume-timeout', '5m'],
    ];

    // First run: the node's agent is alive but takes no work, so the pod waits; Ctrl-C.
    const idle = await startAgent(false);
    const first = startCli(args);
    const { pod, dirs } = await runRestoredPod(t.client, t.node, ns, 'db');
    const inits = (pod['spec'] as { initContainers: { name: string; args: string[] }[] }).initContainers;
    const uid = inits.find((c) => c.name === 'restore-wait')?.args[0] ?? '';
    expect(uid).toMatch(/^[0-9a-f-]{36}$/);
    const asked = await eventually('both volumes asked for', async () => {
      const pvrs = await podVolumeRestores(uid);
      return pvrs.length === 2 ? pvrs : undefined;
    });
    first.interrupt();
    const interrupted = await first.done;
    expect(interrupted.status, interrupted.stdout + interrupted.stderr).not.toBe(0);
    expect(interrupted.stderr).toContain(`restore r-${backup} interrupted`);
    expect((await t.lifeboat('restore', 'describe', `r-${backup}`)).stdout).toMatch(/Phase:\s+Interrupted/);

    // The request for `logs` is lost (as when the run stops between creating the pod and asking).
    const logs = asked.find((p) => p.spec.volume === 'logs')?.metadata.name ?? '';
    await t.client.json({
      method: 'DELETE',
      path: `/apis/lifeboat.io/v1alpha1/namespaces/${t.agentNamespace}/podvolumerestores/${logs}`,
    });
    await idle.stop();
    agents.splice(agents.indexOf(idle), 1);
    await startAgent(true);

    const second = await t.lifeboat(...args);
    expect(second.status, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain(`Restore "r-${backup}" Completed`);
    const after = await podVolumeRestores(uid);
    expect(after.map((p) => [p.spec.volume, p.status?.phase]).sort()).toEqual([
      ['data', 'Completed'],
      ['logs', 'Completed'],
    ]);
    const dataName = asked.find((p) => p.spec.volume === 'data')?.metadata.name;
    expect(after.find((p) => p.spec.volume === 'data')?.metadata.name).toBe(dataName);
    const now = await t.client.json<{ metadata: { uid: string } }>({
      path: `/api/v1/namespaces/${ns}/pods/db`,
    });
    expect(now.metadata.uid).toBe(pod.metadata['uid']);
    for (const [volume, dir] of dirs) {
      expect(await treeOf(dir)).toEqual(await treeOf(sources.get(volume) ?? ''));
      expect(await readdir(join(dir, '.velero'))).toEqual([uid]);
    }
    const described = await t.lifeboat('restore', 'describe', `r-${backup}`);
    expect(described.stdout).toMatch(/Phase:\s+Completed/);
    expect(described.stdout).toContain('Pod volume restores (kopia): Completed 2');
  }, 600_000);
});
