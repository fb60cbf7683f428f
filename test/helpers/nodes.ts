/**
 * Pods on the harness's real nodes: busybox pods (never pulled), waiting for phases, and the node's
 * own view of a pod — its volume directories and container logs, read from the machine.
 */
import type { CoreV1Api, V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeEnv } from '../harness/node.ts';
import { eventually } from './kube.ts';

export const BUSYBOX = 'registry.local/busybox:1';

export function busyboxContainer(name: string, script: string, mounts: V1Container['volumeMounts'] = []) {
  return {
    name,
    image: BUSYBOX,
    imagePullPolicy: 'Never',
    command: ['/bin/sh', '-c', script],
    volumeMounts: mounts,
  } satisfies V1Container;
}

export function busyboxPod(
  name: string,
  spec: {
    node?: string;
    hostNetwork?: boolean;
    containers: V1Container[];
    initContainers?: V1Container[];
    volumes?: V1Volume[];
  },
): V1Pod {
  return {
    metadata: { name },
    spec: {
      ...(spec.node === undefined ? {} : { nodeName: spec.node }),
      hostNetwork: spec.hostNetwork ?? false,
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      containers: spec.containers,
      initContainers: spec.initContainers ?? [],
      volumes: spec.volumes ?? [],
    },
  };
}

/** Waits until `pred` holds for the pod; returns it. */
export function podWhere(
  core: CoreV1Api,
  namespace: string,
  name: string,
  what: string,
  pred: (pod: V1Pod) => boolean,
  timeoutMs = 90_000,
): Promise<V1Pod> {
  return eventually(
    `pod ${namespace}/${name} ${what}`,
    async () => {
      const pod = await core.readNamespacedPod({ namespace, name });
      return pred(pod) ? pod : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

export function isReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podUid(pod: V1Pod): string {
  const uid = pod.metadata?.uid;
  if (uid === undefined || !/^[0-9a-f-]{36}$/.test(uid)) throw new Error(`pod has no valid uid: ${uid}`);
  return uid;
}

/** `<rootDir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>`: where the kubelet keeps a pod volume. */
export function podVolumeDir(node: NodeEnv, pod: V1Pod, plugin: string, volume: string): string {
  return join(node.rootDir, 'pods', podUid(pod), 'volumes', `kubernetes.io~${plugin}`, volume);
}

/** The kubelet's log of a container (`<podLogsDir>/<ns>_<pod>_<uid>/<container>/<restart>.log`, CRI format). */
export async function containerLog(node: NodeEnv, pod: V1Pod, container: string): Promise<string> {
  const dir = join(
    node.podLogsDir,
    `${pod.metadata?.namespace}_${pod.metadata?.name}_${podUid(pod)}`,
    container,
  );
  const files = (await readdir(dir)).filter((f) => /^\d+\.log$/.test(f)).sort();
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  // CRI log lines: `<time> <stream> <P|F> <text>`.
  return texts
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ').slice(3).join(' '))
    .join('\n');
}

/** The one node of a harness cluster. */
export function onlyNode(nodes: NodeEnv[] | undefined, cluster: string): NodeEnv {
  const [node, ...more] = nodes ?? [];
  if (node === undefined || more.length > 0) {
    throw new Error(`cluster ${cluster} should have exactly one node; start the harness with --nodes 1`);
  }
  return node;
}
