import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harnessNodes, readEnv, runningProcesses } from '../harness/harness.ts';
import { mounts, nodeLeftovers } from '../harness/node-host.ts';
import { isAlive, stopProcess } from '../harness/processes.ts';
import { clients, eventually } from '../helpers/kube.ts';
import { busyboxContainer, busyboxPod, isReady, onlyNode, podWhere } from '../helpers/nodes.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const root = join(import.meta.dirname, '..', '..');

function harness(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'test', 'harness', 'cli.ts'), ...args], {
    encoding: 'utf8',
    timeout: 300_000,
  });
}

/** pid → [parent pid, command line] for every live (non-zombie) process, from /proc. */
async function processTable(): Promise<Map<number, { ppid: number; cmdline: string }>> {
  const table = new Map<number, { ppid: number; cmdline: string }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const [state = '', ppid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      table.set(Number(entry), { ppid: Number(ppid), cmdline });
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

function descendants(table: Map<number, { ppid: number }>, ancestor: number): number[] {
  const below = (pid: number): boolean => {
    for (let p = table.get(pid)?.ppid, hops = 0; p !== undefined && hops < 64; hops++) {
      if (p === ancestor) return true;
      p = table.get(p)?.ppid;
    }
    return false;
  };
  return [...table.keys()].filter(below);
}

describe('harness down with real nodes', () => {
  it.each([
    { how: 'deleting its pods through the API first', broken: 'nothing' },
    { how: 'by force when the API server is already gone', broken: 'solo/kube-apiserver' },
    { how: 'by its own paths when its supervisor was killed', broken: 'supervisor' },
  ])(
    'keeps the node running after `up` exits, then removes every process, mount, cgroup and link $how',
    async ({ broken }) => {
      const dir = await mkdtemp('/tmp/lb-down-');
      try {
        const started = harness('up', '--state-dir', dir, '--clusters', 'solo', '--nodes', '1');
        expect(started.status, started.stderr).toBe(0);
        const env = await readEnv(dir);
        const node = onlyNode(env.clusters['solo']?.nodes, 'solo');
        const [record] = await harnessNodes(dir);
        if (record === undefined) throw new Error('state.json records no node');

        // `up` has exited: the node's supervisor owns kubelet and containerd.
        const { core } = clients(env.clusters['solo']!.kubeconfig);
        await core.createNamespacedPod({
          namespace: 'default',
          body: busyboxPod('leftover-check', {
            containers: [
              busyboxContainer('main', 'echo hi > /scratch/x; sleep 3600', [
                { name: 'scratch', mountPath: '/scratch' },
              ]),
            ],
            volumes: [{ name: 'scratch', emptyDir: {} }],
          }),
        });
        await podWhere(core, 'default', 'leftover-check', 'Ready', isReady);
        // Ready means the container's shell started; its `sleep` child follows a moment later.
        const before = await eventually('the container process', async () => {
          const table = await processTable();
          const below = descendants(table, record.supervisor.pid);
          return below.some((pid) => table.get(pid)?.cmdline.startsWith('sleep 3600')) ? table : undefined;
        });
        const owned = descendants(before, record.supervisor.pid);
        const commands = owned.map((pid) => before.get(pid)?.cmdline ?? '');
        expect(commands.some((c) => c.includes('/kubelet ') && c.includes(dir))).toBe(true);
        expect(commands.some((c) => c.startsWith('/usr/bin/containerd --config'))).toBe(true);
        // Shims daemonise away from containerd; the subreaper supervisor adopts them.
        expect(commands.some((c) => c.includes('containerd-shim-runc-v2'))).toBe(true);
        expect(commands.some((c) => c.startsWith('sleep 3600'))).toBe(true);
        expect((await mounts()).some((m) => m.mountPoint.startsWith(`${dir}/`))).toBe(true);
        expect(await nodeLeftovers(record)).not.toEqual([]);
        const logLinks = async () => {
          const names = await readdir('/var/log/containers').catch(() => []);
          const targets = await Promise.all(names.map((n) => readlink(join('/var/log/containers', n))));
          return targets.filter((t) => t.startsWith(`${node.podLogsDir}/`));
        };
        expect(await logLinks()).not.toEqual([]);

        if (broken === 'supervisor') {
          process.kill(record.supervisor.pid, 'SIGKILL'); // its children live on, re-parented
          await eventually('supervisor gone', () =>
            Promise.resolve(isAlive(record.supervisor.pid) ? undefined : true),
          );
        } else if (broken !== 'nothing') {
          const component = (await runningProcesses(dir)).find((p) => p.name === broken);
          if (component === undefined) throw new Error(`no ${broken} recorded`);
          await stopProcess(component);
        }
        // Fixed paths the node's tasks use: shim sockets and libcni's cache, named by task id.
        const tasks = join(record.containerdState, 'io.containerd.runtime.v2.task', 'k8s.io');
        const ids = await readdir(tasks);
        expect(ids).not.toEqual([]);
        const machinePaths = [
          ...ids.map((id) => join('/run/containerd/s', sha256(join(record.containerdSocket, 'k8s.io', id)))),
          ...ids.map((id) => join('/var/lib/cni/results', `cni-loopback-${id}-lo`)),
          ...ids.map((id) => join('/var/lib/cni/results', `${record.network}-${id}-eth0`)),
        ];
        expect(machinePaths.filter((p) => existsSync(p))).not.toEqual([]);
        const stopped = harness('down', '--state-dir', dir);
        expect(stopped.status, stopped.stderr).toBe(0);
        const after = await processTable();
        for (const pid of [record.supervisor.pid, ...owned]) {
          expect(after.has(pid), `${pid}: ${before.get(pid)?.cmdline}`).toBe(false);
        }
        expect([...after.values()].filter((p) => p.cmdline.includes(dir))).toEqual([]);
        expect((await mounts()).filter((m) => m.mountPoint.startsWith(`${dir}/`))).toEqual([]);
        expect(await nodeLeftovers(record)).toEqual([]);
        expect(await logLinks()).toEqual([]);
        // libcni's cache and the shims' sockets are in fixed paths: nothing new may stay there.
        expect(machinePaths.filter((p) => existsSync(p))).toEqual([]);

        // The kubelet's device-plugin socket is in a fixed path: it goes once no kubelet runs.
        const kubeletRuns = [...after.values()].some((p) => /(^|\/)kubelet /.test(p.cmdline));
        expect(kubeletRuns || !existsSync('/var/lib/kubelet/device-plugins/kubelet.sock')).toBe(true);

        const again = harness('down', '--state-dir', dir);
        expect(again.status, again.stderr).toBe(0);
        expect(existsSync(join(dir, 'env.json'))).toBe(false);
      } finally {
        harness('down', '--state-dir', dir);
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
