/**
 * The set-up every real-node pod volume test shares: both clusters of a `--nodes 1` harness, a bucket
 * of its S3 server as lifeboat's location, lifeboat's image in each node's containerd and the agent
 * DaemonSet from deploy/ on each node; the CLI run against them; pods waited for by what they log.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import type { HarnessEnv } from '../harness/harness.ts';
import type { NodeEnv } from '../harness/node.ts';
import type { S3Env } from '../harness/object-stores.ts';
import { type CliResult, runCli } from './cli.ts';
import { eventually } from './kube.ts';
import { createS3Bucket, writeS3Credentials } from './locations.ts';
import {
  AGENT_NAMESPACE,
  type AgentPod,
  agentMemory,
  deployAgent,
  importLifeboatImage,
  LIFEBOAT_IMAGE,
  s3LocationConfig,
} from './node-agent.ts';
import { containerLog, onlyNode } from './nodes.ts';
import { claim, createLocalVolume, volumePod } from './real-pod-volumes.ts';

export const CLUSTERS = ['source', 'standby'] as const;
export type Cluster = (typeof CLUSTERS)[number];

export interface RealNodes {
  env: HarnessEnv;
  s3: S3Env;
  kube: Record<Cluster, KubeClient>;
  nodes: Record<Cluster, NodeEnv>;
  kubeconfig: Record<Cluster, string>;
  /** A temp dir of the test file, removed by close(). */
  work: string;
  bucket: string;
  /** Each cluster's agent pod, once deployAgents() has run (a test that kills one replaces it). */
  agents: Map<Cluster, AgentPod>;
  /** Lines printed by close(): what the test measured. */
  figures: string[];
  /** The CLI with the test's location and the agents' namespace. */
  lifeboat(...args: string[]): Promise<CliResult>;
  /** `backup create NAME --include-namespaces NS` on the source. */
  backup(name: string, namespace: string, ...extra: string[]): Promise<CliResult>;
  /** `restore create NAME --from-backup BACKUP` on the standby, restore-wait from lifeboat's image. */
  restore(name: string, backup: string, ...extra: string[]): Promise<CliResult>;
  /** Applies deploy/ to both clusters and waits for each node's agent (figures: time to ready, RSS). */
  deployAgents(): Promise<void>;
  /** The agent's RSS now and at its peak, in MiB, as a figure line. */
  agentFigure(cluster: Cluster, what: string): Promise<void>;
  /** Deletes the namespaces on both clusters, closes the clients, prints the figures. */
  close(namespaces: string[]): Promise<void>;
}

/** The shared set-up (the image built from the code under test and imported: allow minutes). */
export async function realNodes(env: HarnessEnv, title: string): Promise<RealNodes> {
  const s3 = env.s3;
  if (s3 === undefined) throw new Error('start the nodes harness with --s3');
  const kubeconfig = {
    source: env.clusters['source']?.kubeconfig ?? '',
    standby: env.clusters['standby']?.kubeconfig ?? '',
  };
  const kube = {
    source: new KubeClient(loadKubeConfig({ kubeconfig: kubeconfig.source })),
    standby: new KubeClient(loadKubeConfig({ kubeconfig: kubeconfig.standby })),
  };
  const nodes = {
    source: onlyNode(env.clusters['source']?.nodes, 'source'),
    standby: onlyNode(env.clusters['standby']?.nodes, 'standby'),
  };
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-nodes-pv-'));
  const bucket = await createS3Bucket(s3);
  const credentials = await writeS3Credentials(join(work, 'cloud'), s3);
  await writeFile(join(work, 'config.yaml'), s3LocationConfig(s3, bucket, credentials));
  const cliEnv = { LIFEBOAT_CONFIG: join(work, 'config.yaml'), LIFEBOAT_NAMESPACE: AGENT_NAMESPACE };
  await importLifeboatImage([nodes.source, nodes.standby]);
  const agents = new Map<Cluster, AgentPod>();
  const figures: string[] = [];
  const lifeboat = (...args: string[]) =>
    runCli(['--log-level', 'error', ...args], { env: cliEnv, timeoutMs: 540_000 });
  return {
    env,
    s3,
    kube,
    nodes,
    kubeconfig,
    work,
    bucket,
    agents,
    figures,
    lifeboat,
    backup: (name, namespace, ...extra) =>
      lifeboat(
        ...['backup', 'create', name, '--kubeconfig', kubeconfig.source],
        ...['--include-namespaces', namespace, ...extra],
      ),
    restore: (name, backup, ...extra) =>
      lifeboat(
        ...['restore', 'create', name, '--from-backup', backup, '--kubeconfig', kubeconfig.standby],
        ...['--restore-helper-image', LIFEBOAT_IMAGE, '--pod-volume-timeout', '3m', ...extra],
      ),
    async deployAgents() {
      for (const c of CLUSTERS) {
        const started = Date.now();
        const server = env.clusters[c]?.server ?? '';
        agents.set(c, await deployAgent(kube[c], { node: nodes[c], apiServer: server, s3, bucket }));
        figures.push(`${c}: agent pod Running and ready ${Date.now() - started} ms after apply`);
      }
    },
    async agentFigure(cluster, what) {
      const memory = await agentMemory(nodes[cluster], agents.get(cluster)?.containerId ?? '');
      figures.push(
        `${cluster} agent RSS ${what} ${Math.round(memory.rssKb / 1024)} MiB (peak ${Math.round(memory.peakKb / 1024)} MiB)`,
      );
    },
    async close(namespaces) {
      for (const c of CLUSTERS) {
        for (const ns of namespaces)
          await kube[c].json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
        kube[c].close();
      }
      await rm(work, { recursive: true, force: true });
      console.log(`${title}:\n  ${figures.join('\n  ')}`);
    },
  };
}

/** Waits until a Running pod matching `labelSelector` has logged a line matching `done`; returns it. */
export function podOfLogging(
  client: KubeClient,
  node: NodeEnv,
  namespace: string,
  labelSelector: string,
  done: RegExp,
): Promise<V1Pod> {
  return eventually(
    `a pod of ${namespace} (${labelSelector}) logs ${done.source}`,
    async () => {
      const list = await client.json<{ items: V1Pod[] }>({
        path: `/api/v1/namespaces/${namespace}/pods`,
        query: { labelSelector },
      });
      for (const pod of list.items.filter((p) => p.status?.phase === 'Running'))
        if (done.test(await containerLog(node, pod, 'app').catch(() => ''))) return pod;
      return undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
}

/** Waits until the pod's app container has logged a line matching `done`; returns the pod. */
export function podLogging(
  client: KubeClient,
  node: NodeEnv,
  namespace: string,
  name: string,
  done: RegExp,
): Promise<V1Pod> {
  return eventually(
    `pod ${namespace}/${name} logs ${done.source}`,
    async () => {
      const pod = await client.json<V1Pod>({ path: `/api/v1/namespaces/${namespace}/pods/${name}` });
      if (pod.status?.phase !== 'Running') return undefined;
      return done.test(await containerLog(node, pod, 'app').catch(() => '')) ? pod : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
}

/**
 * The usual application on a node: namespace, a local PV of `storageClass` (named `pvName`) claimed
 * as `data`, an emptyDir `scratch`, pod `db` writing both; returns the pod once it has WRITTEN.
 */
export async function appWithLocalClaim(
  client: KubeClient,
  node: NodeEnv,
  namespace: string,
  storageClass: string,
  pvName: string,
): Promise<V1Pod> {
  await client.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: namespace } } });
  await createLocalVolume(client, node, storageClass, pvName);
  await client.json({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
    body: claim('data', storageClass),
  });
  const volumes = [
    { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'scratch', emptyDir: {} },
  ];
  await client.json({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/pods`,
    body: volumePod('db', volumes, ['data', 'scratch']),
  });
  return podLogging(client, node, namespace, 'db', /WRITTEN/);
}

/** A pod writing `mib` MiB of random data into its emptyDir `bulk` first (an upload that takes a while). */
export function bulkPod(name: string, mib: number): object {
  const pod = volumePod(name, [{ name: 'bulk', emptyDir: {} }], ['bulk']) as {
    spec: { containers: { command: string[] }[] };
  };
  const container = pod.spec.containers[0];
  if (container === undefined) throw new Error('no container');
  container.command[2] = `dd if=/dev/urandom of=/vol/bulk/big.bin bs=1M count=${mib} 2>/dev/null; ${container.command[2]}`;
  return pod;
}

/** Waits until a lifeboat.io PodVolumeBackup of the backup matching `which` uploads (InProgress, bytes done). */
export function uploading(
  client: KubeClient,
  backup: string,
  which: (pvb: { spec?: { volume?: string } }) => boolean = () => true,
): Promise<true> {
  type Item = { spec?: { volume?: string }; status?: { phase?: string; progress?: { bytesDone?: number } } };
  return eventually(
    `a pod volume backup of ${backup} uploading`,
    async () => {
      const list = await client.json<{ items: Item[] }>({
        path: `/apis/lifeboat.io/v1alpha1/namespaces/${AGENT_NAMESPACE}/podvolumebackups`,
        query: { labelSelector: `velero.io/backup-name=${backup}` },
      });
      const busy = (i: Item) =>
        which(i) && i.status?.phase === 'InProgress' && (i.status.progress?.bytesDone ?? 0) > 0;
      return list.items.some(busy) ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
}

/** Directories' mtimes left out (kopia's own restore gives a directory the mtime of its newest file). */
export function withoutDirTimes(tree: Map<string, string>): Map<string, string> {
  return new Map([...tree].map(([k, v]) => [k, v.startsWith('dir ') ? v.replace(/ \d+$/, '') : v]));
}
