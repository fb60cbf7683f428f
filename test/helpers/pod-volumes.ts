/**
 * Pod volume tests' helpers: the lifeboat.io CRDs installed into a harness cluster, and a simulated
 * node — real Pods on the real API server bound to a made-up node name, their status set through
 * the status subresource, and the kubelet's pods directory laid out in a temp dir. A real node (the
 * harness's `nodes[]`: name, rootDir) replaces the made-up name and `<rootDir>/pods`.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubeApiError, type KubeClient } from '../../src/kube/index.ts';
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

export async function simulatedNode(name: string): Promise<SimulatedNode> {
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
    remove: () => rm(root, { recursive: true, force: true }),
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
