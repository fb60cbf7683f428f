/**
 * Real nodes for the harness's clusters: per cluster a kube-scheduler and N nodes, and their
 * complete removal. `harness up --nodes N` starts them; clusters without nodes keep pods Pending.
 */
import { join } from 'node:path';
import { ensureComponent } from './build.ts';
import { kubernetes, nodeSupervisor } from './components.ts';
import { drainNode, kubeAccess } from './kube-api.ts';
import {
  removeCgroups,
  removeCniCache,
  removeContainerLogLinks,
  deleteBridge,
  killLeftoverProcesses,
  removeTaskLeftovers,
  unmountUnder,
} from './node-host.ts';
import { buildNodeImages } from './node-images.ts';
import { nodeEnv, nodeLayout, startNode, startScheduler, type NodeEnv, type NodeRecord } from './node.ts';
import { isAlive, sleep, stopProcess, type ManagedProcess } from './processes.ts';
import { ensureNodePackages } from './system-packages.ts';

export interface NodeOptions {
  /** Nodes per cluster. */
  count: number;
  /** Also build and import lifeboat's own image (needs `npm run build` first). */
  lifeboatImage: boolean;
}

/** Everything nodes need before any starts: Debian packages, binaries, image archives. */
export async function prepareNodes(
  stateDir: string,
  options: NodeOptions,
  log: (line: string) => void,
): Promise<string[]> {
  await ensureNodePackages(log);
  await ensureComponent(kubernetes, log);
  await ensureComponent(nodeSupervisor, log);
  return buildNodeImages(join(stateDir, 'images'), { lifeboat: options.lifeboatImage });
}

export interface ClusterForNodes {
  name: string;
  /** Position of the cluster in `--clusters`: with the node's own index it picks the pod subnet. */
  position: number;
  dir: string;
  kubeconfig: string;
  caCert: string;
}

/** Starts the cluster's scheduler and nodes; every process is handed to `record` as it starts. */
export async function startClusterNodes(
  stateDir: string,
  cluster: ClusterForNodes,
  options: NodeOptions & { images: string[] },
  record: { process: (p: ManagedProcess) => Promise<void>; node: (n: NodeRecord) => Promise<void> },
  log: (line: string) => void,
): Promise<NodeEnv[]> {
  await record.process(await startScheduler(cluster));
  const envs: NodeEnv[] = [];
  for (let i = 0; i < options.count; i++) {
    const started = Date.now();
    const layout = nodeLayout(stateDir, cluster.name, cluster.position * options.count + i, i);
    await startNode(layout, cluster, options.images, record.node);
    log(`node '${layout.name}' Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    envs.push(nodeEnv(layout));
  }
  return envs;
}

/**
 * Removes a node completely, in the order that leaves nothing behind: its pods (so the kubelet
 * unmounts their volumes and containerd removes their networks, when the API server still answers),
 * then the supervisor (kubelet, containerd, every shim and container), then mounts under the node's
 * dir, its cgroups, bridge, log links and CNI cache. Returns what could not be removed.
 */
export async function teardownNode(node: NodeRecord, kubeconfig: string | undefined): Promise<string[]> {
  if (kubeconfig !== undefined && isAlive(node.supervisor.pid)) {
    await kubeAccess(kubeconfig)
      .then((access) => drainNode(access, node.name, 20_000))
      .catch(() => undefined); // control plane already gone: the forced path below still cleans up
  }
  await stopProcess(node.supervisor, node.supervisor.graceMs);
  // Only when the supervisor itself was killed: its children outlive it; find them by our paths.
  for (let round = 0; round < 20 && (await killLeftoverProcesses(node)) > 0; round++) await sleep(100);
  await removeTaskLeftovers(node);
  const left = await unmountUnder(node.dir);
  left.push(...(await removeCgroups(node.cgroupRoot)));
  await deleteBridge(node.bridge);
  await removeContainerLogLinks(node.podLogsDir);
  await removeCniCache(node.network);
  return left;
}
