/**
 * What a real test node changes on the machine outside its processes: cgroups, mounts, the pods'
 * bridge, kubelet's /var/log/containers links, libcni's cache. Each is found by the node's own
 * paths and names only; removal is idempotent.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, readlink, rmdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { NodeLayout } from './node-config.ts';

const run = promisify(execFile);
const CNI_CACHE = '/var/lib/cni/results';

interface Mount {
  id: number;
  mountPoint: string;
  fsType: string;
}

/** /proc/self/mountinfo, with the mount point's octal escapes (\040 for a space) decoded. */
export async function mounts(): Promise<Mount[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-');
    const mountPoint = fields[4];
    const fsType = fields[separator + 1];
    if (separator < 0 || mountPoint === undefined || fsType === undefined) continue;
    out.push({
      id: Number(fields[0]),
      mountPoint: mountPoint.replace(/\\([0-7]{3})/g, (_, oct: string) =>
        String.fromCharCode(parseInt(oct, 8)),
      ),
      fsType,
    });
  }
  return out;
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** The mount points of the v1 cgroup hierarchies (cpu, memory, …, name=systemd; not unified). */
async function cgroupHierarchies(): Promise<string[]> {
  return (await mounts())
    .filter((m) => m.fsType === 'cgroup' && m.mountPoint.startsWith('/sys/fs/cgroup/'))
    .map((m) => m.mountPoint);
}

/** The node's cgroup parent in every hierarchy; cpuset needs its cpus and mems set to admit tasks. */
export async function createCgroups(cgroupRoot: string): Promise<void> {
  for (const hierarchy of await cgroupHierarchies()) {
    const dir = join(hierarchy, cgroupRoot);
    await mkdir(dir, { recursive: true });
    if (hierarchy.endsWith('/cpuset')) {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        await copyFile(join(hierarchy, file), join(dir, file));
      }
    }
  }
}

/** Every cgroup below and including the node's parent, deepest first. */
export async function removeCgroups(cgroupRoot: string): Promise<string[]> {
  const left: string[] = [];
  for (const hierarchy of await cgroupHierarchies()) {
    const root = join(hierarchy, cgroupRoot);
    for (const dir of (await cgroupDirs(root)).sort((a, b) => b.length - a.length)) {
      if (!(await rmdirRetrying(dir))) left.push(dir);
    }
  }
  return left;
}

async function cgroupDirs(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    out.push(dir);
    for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name));
  };
  await walk(root);
  return out;
}

async function rmdirRetrying(dir: string): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await rmdir(dir);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return true;
      if (code !== 'EBUSY') return false;
      await new Promise((r) => setTimeout(r, 100)); // tasks still exiting
    }
  }
  return false;
}

/**
 * Unmounts everything mounted at or under `dir`, deepest first (the kubelet bind-mounts its root
 * dir onto itself; containerd mounts rootfs, shm and network namespaces under its state). Returns
 * the mount points still there.
 */
export async function unmountUnder(dir: string): Promise<string[]> {
  for (let round = 0; round < 5; round++) {
    const ours = (await mounts())
      .filter((m) => isUnder(m.mountPoint, dir))
      .sort((a, b) => b.mountPoint.split('/').length - a.mountPoint.split('/').length || b.id - a.id);
    if (ours.length === 0) return [];
    for (const m of ours) {
      try {
        await run('umount', [m.mountPoint]);
      } catch {
        await run('umount', ['-l', m.mountPoint]).catch(() => {});
      }
    }
  }
  return (await mounts()).filter((m) => isUnder(m.mountPoint, dir)).map((m) => m.mountPoint);
}

/** The pods' bridge and any veth still enslaved to it. */
export async function deleteBridge(bridge: string): Promise<void> {
  const { stdout } = await run('ip', ['-o', 'link', 'show', 'master', bridge]).catch(() => ({
    stdout: '',
  }));
  for (const line of stdout.split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    if (name !== undefined) await run('ip', ['link', 'delete', name]).catch(() => {});
  }
  await run('ip', ['link', 'delete', bridge]).catch(() => {});
}

export async function bridgeExists(bridge: string): Promise<boolean> {
  return run('ip', ['link', 'show', bridge]).then(
    () => true,
    () => false,
  );
}

/** kubelet links every container's log into the fixed /var/log/containers: ours point into podLogsDir. */
export async function removeContainerLogLinks(podLogsDir: string): Promise<void> {
  const dir = '/var/log/containers';
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const target = await readlink(join(dir, name)).catch(() => '');
    if (isUnder(target, podLogsDir)) await unlink(join(dir, name)).catch(() => {});
  }
}

/** libcni caches each attachment's result as /var/lib/cni/results/<network>-<container>-<ifname>. */
export async function removeCniCache(network: string): Promise<void> {
  const names = await readdir(CNI_CACHE).catch(() => []);
  for (const name of names) {
    if (name.startsWith(`${network}-`)) await unlink(join(CNI_CACHE, name)).catch(() => {});
  }
}

/**
 * What a task killed rather than stopped leaves in fixed paths, found by the task ids (directories
 * of the node's runtime state): its shim's socket, /run/containerd/s/sha256(<containerd address>/
 * <namespace>/<id>), and, for a sandbox, libcni's cache of the loopback interface containerd added.
 */
export async function removeTaskLeftovers(node: NodeLayout): Promise<void> {
  const tasks = join(node.containerdState, 'io.containerd.runtime.v2.task');
  for (const namespace of await readdir(tasks).catch(() => [])) {
    for (const id of await readdir(join(tasks, namespace)).catch(() => [])) {
      const name = createHash('sha256')
        .update(join(node.containerdSocket, namespace, id))
        .digest('hex');
      await unlink(join('/run/containerd/s', name)).catch(() => {});
    }
  }
  // A sandbox stopped half-way may have lost its task but not its network: take the CRI's ids too.
  const sandboxes = [
    join(node.containerdState, 'io.containerd.grpc.v1.cri', 'sandboxes'),
    join(node.containerdRoot, 'io.containerd.grpc.v1.cri', 'sandboxes'),
  ];
  const ids = new Set<string>();
  for (const dir of [...sandboxes, join(tasks, 'k8s.io')]) {
    for (const id of await readdir(dir).catch(() => [])) if (/^[0-9a-f]{64}$/.test(id)) ids.add(id);
  }
  for (const id of ids) await unlink(join(CNI_CACHE, `cni-loopback-${id}-lo`)).catch(() => {});
}

const NODE_COMMANDS = new Set(['kubelet', 'containerd', 'containerd-shim-runc-v2']);

/**
 * SIGKILLs what survived the supervisor (only when it was killed itself): kubelet, containerd and
 * shims whose arguments name a path in the node's dir, and every task in the node's cgroups
 * (containers). Returns how many it signalled.
 */
export async function killLeftoverProcesses(node: NodeLayout): Promise<number> {
  const pids = new Set<number>();
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const [command = '', ...args] = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split(
      '\0',
    );
    const ours = args.some((arg) => arg.includes(`${node.dir}/`));
    if (ours && NODE_COMMANDS.has(basename(command))) pids.add(Number(entry));
  }
  for (const hierarchy of await cgroupHierarchies()) {
    for (const dir of await cgroupDirs(join(hierarchy, node.cgroupRoot))) {
      const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const pid of procs.split('\n').filter(Boolean)) pids.add(Number(pid));
    }
  }
  pids.delete(process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return pids.size;
}

/**
 * The kubelet's device manager listens on a fixed path, /var/lib/kubelet/device-plugins/kubelet.sock,
 * whatever its root dir. Once no kubelet runs on the machine any more, the socket and the folders
 * (when empty) go; while another kubelet runs they are its own.
 */
export async function removeKubeletSocketWhenNoneRuns(): Promise<void> {
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (comm.trim() === 'kubelet') return;
  }
  await unlink('/var/lib/kubelet/device-plugins/kubelet.sock').catch(() => {});
  await rmdir('/var/lib/kubelet/device-plugins').catch(() => {});
  await rmdir('/var/lib/kubelet').catch(() => {});
}

/** What is left of a node on the machine: empty when its teardown was complete. */
export async function nodeLeftovers(node: NodeLayout): Promise<string[]> {
  const left: string[] = [];
  for (const m of await mounts()) if (isUnder(m.mountPoint, node.dir)) left.push(`mount ${m.mountPoint}`);
  for (const hierarchy of await cgroupHierarchies()) {
    const dir = join(hierarchy, node.cgroupRoot);
    if ((await cgroupDirs(dir)).length > 0) left.push(`cgroup ${dir}`);
  }
  if (await bridgeExists(node.bridge)) left.push(`bridge ${node.bridge}`);
  return left;
}
