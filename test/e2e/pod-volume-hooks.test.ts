/**
 * Velero's backup hooks where the API server cannot run them: pods on a simulated node (a Node
 * object without a kubelet, so pods/exec fails at the real API server), `lifeboat agent` as a child
 * process. A failing pre hook with on-error Fail keeps the pod's volumes out and makes the backup
 * PartiallyFailed naming the pod and the hook; with Continue the volumes are backed up and the
 * failure is still an error, as Velero counts it. velero-backup.json records hookStatus and
 * `backup describe` shows it. (test/nodes/pod-volume-hooks.test.ts runs hooks on a real kubelet.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { runCli } from '../helpers/cli.ts';
import { uniqueName } from '../helpers/kube.ts';
import { writeFilesystemConfig } from '../helpers/locations.ts';
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

const harness = inject('harness');
const kubeconfig = harness.clusters['source']!.kubeconfig;
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const agentNs = uniqueName('lb-hk');
const failNs = uniqueName('hk-fail');
const continueNs = uniqueName('hk-cont');
const FREEZE = '["sh","-c","echo frozen > /data/data/hook"]';

let dir: string;
let fsRoot: string;
let env: Record<string, string>;
let node: SimulatedNode;
let agent: AgentProcess | undefined;

const cli = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], { env: { ...env, LIFEBOAT_NAMESPACE: agentNs } });

async function sidecar(backup: string, file: string): Promise<unknown> {
  return JSON.parse(
    gunzipSync(await readFile(join(fsRoot, 'backups', backup, `${backup}-${file}`))).toString(),
  );
}

async function hookStatus(backup: string): Promise<unknown> {
  const json = JSON.parse(await readFile(join(fsRoot, 'backups', backup, 'velero-backup.json'), 'utf8')) as {
    status: { hookStatus?: unknown };
  };
  return json.status.hookStatus;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-hooks-'));
  fsRoot = join(dir, 'fs');
  const configPath = join(dir, 'config.yaml');
  await writeFilesystemConfig(configPath, fsRoot);
  env = { LIFEBOAT_CONFIG: configPath };
  await installPodVolumeCrds(client);
  for (const ns of [agentNs, failNs, continueNs]) await createNamespace(client, ns);
  node = await simulatedNode(client, uniqueName('sim-hk'));
  const failUid = await createBoundPod(client, {
    namespace: failNs,
    name: 'db',
    nodeName: node.name,
    annotations: {
      'backup.velero.io/backup-volumes': 'data',
      'pre.hook.backup.velero.io/command': FREEZE,
    },
    volumes: [{ name: 'data', emptyDir: {} }],
  });
  await fillVolume(await node.volumeDir(failUid, 'kubernetes.io~empty-dir', 'data'), 'fail', 1);
  const continueUid = await createBoundPod(client, {
    namespace: continueNs,
    name: 'db',
    nodeName: node.name,
    annotations: {
      'backup.velero.io/backup-volumes': 'data',
      'pre.hook.backup.velero.io/command': FREEZE,
      'pre.hook.backup.velero.io/on-error': 'Continue',
      'pre.hook.backup.velero.io/timeout': '20s',
      'post.hook.backup.velero.io/command': '["sh","-c","rm /data/data/hook"]',
      'post.hook.backup.velero.io/on-error': 'Continue',
    },
    volumes: [{ name: 'data', emptyDir: {} }],
  });
  await fillVolume(await node.volumeDir(continueUid, 'kubernetes.io~empty-dir', 'data'), 'cont', 1);
  agent = startAgentProcess({
    nodeName: node.name,
    hostPods: node.hostPods,
    namespace: agentNs,
    kubeconfig,
    env,
  });
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  for (const ns of [failNs, continueNs, agentNs]) await deleteNamespace(client, ns);
  await node?.remove();
  client.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('backup hooks the API server cannot run (simulated node)', () => {
  it('a failing pre hook with on-error Fail keeps the volumes out: PartiallyFailed naming the pod and hook', async () => {
    const run = await cli(
      'backup',
      'create',
      'hk-fail',
      '--kubeconfig',
      kubeconfig,
      '--include-namespaces',
      failNs,
    );
    expect(run.status, run.stderr).toBe(3);
    const results = JSON.stringify(await sidecar('hk-fail', 'results.gz'));
    expect(results).toContain('name: /db message: /Error executing hook: pre hook');
    expect(results).toContain('in container app failed (on-error Fail)');
    expect(results).toContain("the pod's volumes were not backed up");
    // The API server's own refusal, as it said it (the node has no kubelet to dial).
    expect(results).toMatch(/error: \/GET \/api\/v1\/namespaces\/[^/]+\/pods\/db\/exec: /);
    expect(await sidecar('hk-fail', 'podvolumebackups.json.gz')).toBeNull();
    expect(await hookStatus('hk-fail')).toEqual({ hooksAttempted: 1, hooksFailed: 1 });

    const describe = await cli('backup', 'describe', 'hk-fail');
    expect(describe.status, describe.stderr).toBe(0);
    expect(describe.stdout).toContain('HooksAttempted: 1');
    expect(describe.stdout).toContain('HooksFailed:    1 (see Errors)');
    expect(describe.stdout).toContain('Error executing hook: pre hook');
  }, 300_000);

  it('with on-error Continue the volumes are backed up and both failed hooks are errors (as Velero counts them)', async () => {
    const run = await cli(
      'backup',
      'create',
      'hk-cont',
      '--kubeconfig',
      kubeconfig,
      '--include-namespaces',
      continueNs,
    );
    expect(run.status, run.stderr).toBe(3);
    const pvbs = (await sidecar('hk-cont', 'podvolumebackups.json.gz')) as { status: { phase: string } }[];
    expect(pvbs.map((p) => p.status.phase)).toEqual(['Completed']);
    const results = (await sidecar('hk-cont', 'results.gz')) as {
      errors: { namespaces?: Record<string, string[]> };
    };
    const errors = results.errors.namespaces?.[continueNs] ?? [];
    expect(errors.filter((e) => e.includes('Error executing hook: pre hook')).length).toBe(1);
    expect(errors.filter((e) => e.includes('Error executing hook: post hook')).length).toBe(1);
    expect(errors.every((e) => e.includes('(on-error Continue)'))).toBe(true);
    expect(await hookStatus('hk-cont')).toEqual({ hooksAttempted: 2, hooksFailed: 2 });
  }, 300_000);
});
