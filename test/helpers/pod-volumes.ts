/**
 * Pod volume tests' helpers: the lifeboat.io CRDs installed into a harness cluster, and a simulated
 * node — real Pods on the real API server bound to a made-up node name, their status set through
 * the status subresource, and the kubelet's pods directory laid out in a temp dir. A real node (the
 * harness's `nodes[]`: name, rootDir) replaces the made-up name and `<rootDir>/pods`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubeApiError, type KubeClient } from '../../src/kube/index.ts';
import { MAIN } from './cli.ts';
import { eventually } from './kube.ts';

const CRDS = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes', 'volumes', '00-crds.yaml');
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Installs lifeboat's PodVolumeBackup/PodVolumeRestore CRDs (idempotent) and waits until Established. */
export async function installPodVolumeCrds(client: KubeClient): Promise<void> {
  const docs = parseAllDocuments(await readFile(CRDS, 'utf8')).map(
    (d) => d.toJS() as { metadata: { name: string } },
  );
  for (const crd of docs) {
    await client.json({ method: 'POST', path: CRD_PATH, body: crd }).catch((err: unknown) => {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    });
    await eventually(`CRD ${crd.metadata.name} established`, async () => {
      const got = await client.json<{ status?: { conditions?: { type: string; status: string }[] } }>({
        path: `${CRD_PATH}/${crd.metadata.name}`,
      });
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });
  }
}

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
}

export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  await client.json({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
}

/** A simulated node: a made-up name the API server's pods are bound to, and a kubelet pods dir. */
export interface SimulatedNode {
  name: string;
  /** `<root>/pods`: what the agent gets as --host-pods. */
  hostPods: string;
  /** The directory of a pod volume as the kubelet lays it out (created). */
  volumeDir(podUid: string, plugin: string, dir: string): Promise<string>;
  remove(): Promise<void>;
}

/**
 * A made-up node: a Node object (so the pod garbage collector does not delete its pods as orphans;
 * the pods tolerate its NotReady taints) and a kubelet pods directory in a temp dir.
 */
export async function simulatedNode(client: KubeClient, name: string): Promise<SimulatedNode> {
  await client.json({
    method: 'POST',
    path: '/api/v1/nodes',
    body: { metadata: { name, labels: { 'kubernetes.io/hostname': name } } },
  });
  const root = await mkdtemp(join(tmpdir(), `lifeboat-node-${name}-`));
  const hostPods = join(root, 'pods');
  await mkdir(hostPods);
  return {
    name,
    hostPods,
    async volumeDir(podUid, plugin, dir) {
      const path = join(hostPods, podUid, 'volumes', plugin, dir);
      await mkdir(path, { recursive: true });
      return path;
    },
    async remove() {
      await client.json({ method: 'DELETE', path: `/api/v1/nodes/${name}` }).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface PodSpecInput {
  namespace: string;
  name: string;
  nodeName: string;
  volumes: Record<string, unknown>[];
  /** Volume names mounted by the one container (default: all). */
  mounts?: string[];
  annotations?: Record<string, string>;
  /** The phase set through the status subresource (default Running). */
  phase?: string;
}

/** Creates a pod bound to a (simulated) node and sets its status; returns its UID. */
export async function createBoundPod(client: KubeClient, input: PodSpecInput): Promise<string> {
  const mounts = input.mounts ?? input.volumes.map((v) => String(v['name']));
  const pod = await client.json<{ metadata: { uid: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${input.namespace}/pods`,
    body: {
      metadata: { name: input.name, annotations: input.annotations ?? {} },
      spec: {
        nodeName: input.nodeName,
        tolerations: [{ operator: 'Exists' }],
        volumes: input.volumes,
        containers: [
          {
            name: 'app',
            image: 'busybox:stable',
            volumeMounts: mounts.map((name) => ({ name, mountPath: `/data/${name}` })),
          },
        ],
      },
    },
  });
  await client.json({
    method: 'PATCH',
    path: `/api/v1/namespaces/${input.namespace}/pods/${input.name}/status`,
    contentType: 'application/merge-patch+json',
    body: { status: { phase: input.phase ?? 'Running' } },
  });
  return pod.metadata.uid;
}

/** A volume's content: small, empty, a symlink, `randomMiB` MiB of random bytes, a nested directory. */
export async function fillVolume(dir: string, seed: string, randomMiB = 5): Promise<void> {
  await writeFile(join(dir, 'small.txt'), `hello from ${seed}\n`);
  await writeFile(join(dir, 'empty'), '');
  await symlink('small.txt', join(dir, 'link'));
  for (let i = 0; i < randomMiB; i += 16)
    await writeFile(join(dir, 'random.bin'), randomBytes(Math.min(16, randomMiB - i) << 20), {
      flag: i ? 'a' : 'w',
    });
  await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
  await writeFile(join(dir, 'nested', 'deeper', 'leaf.json'), JSON.stringify({ seed }));
}

export interface AgentProcess {
  child: ChildProcess;
  /** Stops it (SIGTERM: gracefully; SIGKILL: as a crash) and waits until it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `lifeboat agent` for a (simulated) node as a child process, its stderr shown prefixed. */
export function startAgentProcess(options: {
  nodeName: string;
  hostPods: string;
  namespace: string;
  kubeconfig: string;
  env: Record<string, string>;
}): AgentProcess {
  const child = spawn(
    process.execPath,
    [MAIN, '--log-level', 'warn', 'agent', '--node-name', options.nodeName, '--host-pods', options.hostPods],
    {
      env: {
        ...process.env,
        ...options.env,
        LIFEBOAT_NAMESPACE: options.namespace,
        KUBECONFIG: options.kubeconfig,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr?.on('data', (c: Buffer) => process.stderr.write(`agent ${options.nodeName}: ${c.toString()}`));
  return {
    child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}
