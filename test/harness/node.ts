/**
 * One real test node: its own containerd, CNI bridge, cgroup parent and kubelet, registered with
 * one control plane. Processes run under node-supervisor, the one process the harness records.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureComponent, HarnessError } from './build.ts';
import { kubernetes, nodeSupervisor } from './components.ts';
import { initializeNode, kubeAccess, nodeReady, uncordonNode } from './kube-api.ts';
import { cniConfig, containerdConfig, kubeletConfig, type NodeLayout } from './node-config.ts';
import { createCgroups } from './node-host.ts';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.ts';
import { CNI_PLUGIN_DIR } from './system-packages.ts';

const run = promisify(execFile);

/** What tests read about a node (env.json). */
export interface NodeEnv {
  name: string;
  /** The kubelet's --root-dir: pod volumes are under `<rootDir>/pods/<uid>/volumes/`. */
  rootDir: string;
  containerdSocket: string;
  /** Container logs: `<podLogsDir>/<namespace>_<pod>_<uid>/<container>/0.log`. */
  podLogsDir: string;
}

/** What `down` needs to remove a node: its layout and its supervisor. */
export interface NodeRecord extends NodeLayout {
  cluster: string;
  supervisor: ManagedProcess;
}

/** The supervisor stops kubelet and containerd with 10 s each, then kills what is left. */
const SUPERVISOR_GRACE_MS = 60_000;

/** `index` counts nodes across all clusters of one harness: it picks the node's pod subnet. */
export function nodeLayout(stateDir: string, cluster: string, index: number, nodeIndex: number): NodeLayout {
  const name = `${cluster}-node-${nodeIndex}`;
  const dir = join(stateDir, 'nodes', name);
  // Names outside the state dir (cgroups, bridge, CNI cache) carry a digest of the state dir, so
  // that two harnesses on one machine never touch each other's.
  const tag = createHash('sha256').update(stateDir).digest('hex').slice(0, 6);
  const socket = join(dir, 'containerd', 'containerd.sock');
  if (Buffer.byteLength(`${socket}.ttrpc`) > 100) {
    throw new HarnessError(
      `the state dir ${stateDir} is too long for containerd's socket path (${socket}.ttrpc)`,
      'use a shorter --state-dir, e.g. under /tmp',
    );
  }
  if (index > 250) throw new HarnessError(`too many nodes (${index + 1})`, 'use fewer --nodes');
  return {
    name,
    dir,
    rootDir: join(dir, 'kubelet'),
    podLogsDir: join(dir, 'pod-logs'),
    certDir: join(dir, 'pki'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: socket,
    runcRoot: join(dir, 'containerd', 'runc'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniBinDir: join(dir, 'cni', 'bin'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    volumePluginDir: join(dir, 'volume-plugins'),
    cgroupRoot: `/lifeboat-${tag}-${name}`,
    bridge: `lb${tag}-${index}`,
    network: `lifeboat-${tag}-${name}`,
    subnet: `10.244.${index}.0/24`,
  };
}

export function nodeEnv(node: NodeLayout): NodeEnv {
  return {
    name: node.name,
    rootDir: node.rootDir,
    containerdSocket: node.containerdSocket,
    podLogsDir: node.podLogsDir,
  };
}

/**
 * Starts the node and returns once it is Ready. `onStarted` receives the record as soon as the
 * supervisor runs, so that `down` finds it even if readiness fails.
 */
export async function startNode(
  node: NodeLayout,
  cluster: { name: string; kubeconfig: string; caCert: string },
  images: string[],
  onStarted: (record: NodeRecord) => Promise<void>,
): Promise<NodeRecord> {
  const [kubeBins, supervisorBins] = await Promise.all([
    ensureComponent(kubernetes),
    ensureComponent(nodeSupervisor),
  ]);
  for (const d of [node.rootDir, node.podLogsDir, node.certDir, node.cniConfDir, node.cniBinDir]) {
    await mkdir(d, { recursive: true });
  }
  await mkdir(node.volumePluginDir, { recursive: true });
  for (const plugin of ['loopback', 'bridge', 'host-local', 'portmap']) {
    await symlink(join(CNI_PLUGIN_DIR, plugin), join(node.cniBinDir, plugin)).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    });
  }
  const [port = 0, healthzPort = 0] = await distinctPorts(2);
  const files = {
    containerd: join(node.dir, 'containerd.toml'),
    kubelet: join(node.dir, 'kubelet.yaml'),
    supervisor: join(node.dir, 'supervisor.json'),
  };
  await writeFile(files.containerd, containerdConfig(node));
  await writeFile(join(node.cniConfDir, '10-bridge.conflist'), cniConfig(node));
  await writeFile(files.kubelet, kubeletConfig(node, { port, healthzPort }, cluster.caCert));
  await createCgroups(node.cgroupRoot);
  const spec = {
    graceSeconds: 10,
    children: [
      {
        name: 'containerd',
        argv: ['/usr/bin/containerd', '--config', files.containerd],
        log: join(node.dir, 'containerd.log'),
      },
      {
        name: 'kubelet',
        argv: [
          kubeBins['kubelet'] ?? 'kubelet',
          `--config=${files.kubelet}`,
          `--kubeconfig=${cluster.kubeconfig}`,
          `--root-dir=${node.rootDir}`,
          `--hostname-override=${node.name}`,
          // The kubelet refuses a loopback --node-ip and would report the machine's interface address,
          // which the API server must not dial; as an external cloud provider, the harness sets the
          // node's address to 127.0.0.1 itself (initializeNode), so pods/exec and logs reach the kubelet.
          '--cloud-provider=external',
          `--cert-dir=${node.certDir}`,
          '--v=1',
        ],
        log: join(node.dir, 'kubelet.log'),
        waitFor: node.containerdSocket,
      },
    ],
  };
  await writeFile(files.supervisor, JSON.stringify(spec, null, 2));
  const supervisor: ManagedProcess = {
    ...startProcess(
      `${cluster.name}/${node.name}`,
      supervisorBins['node-supervisor'] ?? 'node-supervisor',
      [files.supervisor],
      { log: join(node.dir, 'supervisor.log') },
    ),
    graceMs: SUPERVISOR_GRACE_MS,
  };
  const record: NodeRecord = { ...node, cluster: cluster.name, supervisor };
  await onStarted(record);

  await waitFor(`${node.name}: containerd`, () => ctrOk(node), {
    timeoutMs: 60_000,
    proc: supervisor,
    intervalMs: 100,
  });
  for (const image of images) {
    await run('/usr/bin/ctr', ['-a', node.containerdSocket, '-n', 'k8s.io', 'images', 'import', image]);
  }
  const access = await kubeAccess(cluster.kubeconfig);
  // A node that never registers or never gets Ready says why from the kubelet's and containerd's own logs.
  const logs = [join(node.dir, 'kubelet.log'), join(node.dir, 'containerd.log')];
  await waitFor(`${node.name}: address`, () => initializeNode(access, node.name), {
    timeoutMs: 180_000,
    proc: supervisor,
    intervalMs: 250,
    logs,
  });
  await waitFor(`${node.name}: Ready`, () => nodeReady(access, node.name), {
    timeoutMs: 180_000,
    proc: supervisor,
    intervalMs: 250,
    logs,
  });
  await uncordonNode(access, node.name);
  return record;
}

async function ctrOk(node: NodeLayout): Promise<boolean> {
  await run('/usr/bin/ctr', ['-a', node.containerdSocket, 'version'], { timeout: 5000 });
  return true;
}

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** One kube-scheduler per cluster with nodes: pods with no nodeName get one. */
export async function startScheduler(cluster: {
  name: string;
  dir: string;
  kubeconfig: string;
}): Promise<ManagedProcess> {
  const kubeBins = await ensureComponent(kubernetes);
  const port = await freePort();
  const proc = startProcess(
    `${cluster.name}/kube-scheduler`,
    kubeBins['kube-scheduler'] ?? 'kube-scheduler',
    [
      `--kubeconfig=${cluster.kubeconfig}`,
      `--authentication-kubeconfig=${cluster.kubeconfig}`,
      `--authorization-kubeconfig=${cluster.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      '--leader-elect=false',
      '--v=0',
    ],
    { log: join(cluster.dir, 'kube-scheduler.log') },
  );
  return proc;
}
