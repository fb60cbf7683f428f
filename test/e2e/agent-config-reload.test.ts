/**
 * The agent follows its configuration without a restart: `lifeboat agent` (a child process, for a
 * simulated node) reads a config file laid out as the kubelet mounts a ConfigMap (`..data` symlink
 * to a versioned directory). The file is changed as the kubelet changes it, so that the location the
 * backups name points somewhere else; the next pod volume backup writes its data there.
 */
import { access, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
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
const agentNs = uniqueName('lb-cfg');
const appNs = uniqueName('cfg-app');

let dir: string;
let env: Record<string, string>;
let node: SimulatedNode;
let agent: AgentProcess | undefined;

/** The agent's config as the kubelet writes a ConfigMap: a new directory, then `..data` swapped to it. */
async function mountConfig(mount: string, version: number, root: string) {
  const data = join(mount, `..2026_12_07_v${version}`);
  await mkdir(data, { recursive: true });
  await writeFile(
    join(data, 'config.yaml'),
    stringify({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'Config',
      locations: [{ name: 'fs', provider: 'filesystem', objectStorage: { bucket: root }, default: true }],
    }),
  );
  await symlink(`..2026_12_07_v${version}`, join(mount, '..data_tmp'));
  await rename(join(mount, '..data_tmp'), join(mount, '..data'));
  if (version === 1) await symlink('..data/config.yaml', join(mount, 'config.yaml'));
  else await rm(join(mount, `..2026_12_07_v${version - 1}`), { recursive: true });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const backup = (name: string) =>
  runCli(
    [
      '--log-level',
      'error',
      'backup',
      'create',
      name,
      '--kubeconfig',
      kubeconfig,
      '--include-namespaces',
      appNs,
    ],
    {
      env: { ...env, LIFEBOAT_NAMESPACE: agentNs },
    },
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-agent-cfg-'));
  const configPath = join(dir, 'cli.yaml');
  await writeFilesystemConfig(configPath, join(dir, 'first'));
  await mkdir(join(dir, 'second'));
  env = { LIFEBOAT_CONFIG: configPath };
  const mount = join(dir, 'mount');
  await mkdir(mount);
  await mountConfig(mount, 1, join(dir, 'first'));
  await installPodVolumeCrds(client);
  for (const ns of [agentNs, appNs]) await createNamespace(client, ns);
  node = await simulatedNode(client, uniqueName('sim-cfg'));
  const uid = await createBoundPod(client, {
    namespace: appNs,
    name: 'db',
    nodeName: node.name,
    annotations: { 'backup.velero.io/backup-volumes': 'data' },
    volumes: [{ name: 'data', emptyDir: {} }],
  });
  await fillVolume(await node.volumeDir(uid, 'kubernetes.io~empty-dir', 'data'), 'cfg', 1);
  agent = startAgentProcess({
    nodeName: node.name,
    hostPods: node.hostPods,
    namespace: agentNs,
    kubeconfig,
    env: { LIFEBOAT_CONFIG: join(mount, 'config.yaml') },
  });
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  for (const ns of [appNs, agentNs]) await deleteNamespace(client, ns);
  await node?.remove();
  client.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('the agent follows its mounted configuration', () => {
  it('after the kubelet swaps the config, the next pod volume backup writes to the new location', async () => {
    const repo = (root: string) => join(dir, root, 'kopia', appNs);
    const first = await backup('cfg-1');
    expect(first.status, first.stderr).toBe(0);
    expect(await exists(repo('first'))).toBe(true);
    expect(await exists(repo('second'))).toBe(false);

    await mountConfig(join(dir, 'mount'), 2, join(dir, 'second'));
    const second = await backup('cfg-2');
    expect(second.status, second.stderr).toBe(0);
    expect(await exists(repo('second'))).toBe(true);
  }, 420_000);
});
