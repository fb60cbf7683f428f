/**
 * The fleet benchmark's memory and registry measures, one function per measure: the server's RSS with
 * N registered idle clusters, and what one registry refresh of N clusters costs. Registrations point
 * at a few real control planes under distinct names (the harness cannot start hundreds).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startServer } from '../test/helpers/server.ts';
import { dockerfileEntrypoint } from '../test/harness/node-images.ts';
import { LIFEBOAT_CLI, log, MB, REPO_ROOT, round } from './common.ts';

export interface FleetPlanes {
  /** Kubeconfig files of the real control planes the registrations point at. */
  kubeconfigs: string[];
  /** Scratch directory: config files, the filesystem location. */
  dir: string;
}

/**
 * A config file with one filesystem location and `count` clusters named reg-NNNN over the planes;
 * with `schedule`, a yearly schedule (no catch-up) targeting every cluster, so that the server holds a
 * unit, a listed prefix and a Lease per cluster while no backup runs.
 */
export async function writeFleetConfig(
  planes: FleetPlanes,
  count: number,
  schedule = false,
): Promise<string> {
  const path = join(planes.dir, `config-${count}.yaml`);
  await mkdir(join(planes.dir, 'bucket'), { recursive: true });
  // The fleet runtime merges registrations of one control plane into one cluster (by identity): to
  // hold `count` clusters, each registration is its own, at an address that refuses connections.
  const refused = schedule ? await refusedKubeconfig(planes.dir) : undefined;
  const clusters = Array.from({ length: count }, (_, i) => ({
    name: `reg-${String(i).padStart(4, '0')}`,
    kubeconfig: refused ?? planes.kubeconfigs[i % planes.kubeconfigs.length],
    labels: { env: i % 2 === 0 ? 'prod' : 'test', site: `site-${i % 7}` },
  }));
  await writeFile(
    path,
    stringify({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'Config',
      locations: [
        {
          name: 'bench',
          provider: 'filesystem',
          default: true,
          objectStorage: { bucket: join(planes.dir, 'bucket') },
        },
      ],
      ...(count > 0 ? { clusters } : {}),
      ...(schedule && count > 0
        ? {
            schedules: [
              {
                name: 'yearly',
                schedule: '0 0 1 1 *',
                catchUp: 'none',
                clusters: { selector: 'env in (prod,test)' },
                template: { includedNamespaces: ['kube-system'] },
              },
            ],
          }
        : {}),
    }),
  );
  return path;
}

/** A kubeconfig for an API server that refuses connections (port 9 of the loopback address). */
async function refusedKubeconfig(dir: string): Promise<string> {
  const path = join(dir, 'refused.kubeconfig');
  await writeFile(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'r', cluster: { server: 'https://127.0.0.1:9', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'r', user: { token: 'bench' } }],
      contexts: [{ name: 'r', context: { cluster: 'r', user: 'r' } }],
      'current-context': 'r',
    }),
  );
  return path;
}

/** Resident set size of a running process, from /proc (Linux). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

export interface ServerRss {
  clusters: number;
  rssMB: number;
}

/**
 * `lifeboat server` (the built CLI) with `count` registrations: started, ready (/readyz), left idle
 * for `settleMs`, then its RSS sampled five times a second apart; the median is reported. With the
 * fleet runtime (`leases`), the server elects and holds a Lease per cluster in the first plane, and a
 * schedule targets every cluster; sampling waits until it owns them all.
 */
/**
 * The node flags of the server's image (deploy/Dockerfile's ENTRYPOINT, between `node` and the
 * bundle): the server is measured as it is deployed, not with the CLI's flags.
 */
async function serverNodeArgs(): Promise<string[]> {
  return (await dockerfileEntrypoint()).slice(1, -1);
}

export async function measureServerRss(
  planes: FleetPlanes,
  count: number,
  settleMs: number,
  leases = true,
): Promise<ServerRss> {
  const config = await writeFleetConfig(planes, count, leases);
  const fleetArgs = leases
    ? ['--leader-elect', '--lease-namespace', 'default', '--replica-id', `bench-${process.pid}-${count}`]
    : [];
  const server = await startServer({
    node: [...(await serverNodeArgs()), join(REPO_ROOT, LIFEBOAT_CLI)],
    globals: ['--log-level', 'warn'],
    args: ['--insecure-no-auth', '--kubeconfig', planes.kubeconfigs[0] ?? '', ...fleetArgs],
    env: { NO_COLOR: '1', LIFEBOAT_CONFIG: config },
    ready: true,
    timeoutMs: 300_000,
  });
  try {
    if (leases && count > 0) await waitOwned(server.url, count);
    await new Promise((r) => setTimeout(r, settleMs));
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(await rssBytes(server.child.pid ?? 0));
      await new Promise((r) => setTimeout(r, 1000));
    }
    samples.sort((a, b) => a - b);
    const rssMB = round((samples[2] ?? 0) / MB, 1);
    log(`server with ${count} registered clusters: RSS ${rssMB} MB`);
    return { clusters: count, rssMB };
  } finally {
    await server.stop();
  }
}

/** Waits until the server owns `count` clusters (their Leases taken, /api/v1/clusters). */
async function waitOwned(url: string, count: number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const owned = await fetch(`${url}/api/v1/clusters`)
      .then((r) => r.json() as Promise<{ replica?: { owned?: unknown[] } }>)
      .then((v) => v.replica?.owned?.length ?? 0)
      .catch(() => 0);
    if (owned >= count) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the server at ${url} never owned its ${count} clusters`);
}

/** The server's memory growth per registered cluster between two counts. */
export function perCluster(low: ServerRss, high: ServerRss): number {
  return high.clusters === low.clusters
    ? 0
    : round((high.rssMB - low.rssMB) / (high.clusters - low.clusters), 3);
}

export interface RegistryRefresh {
  clusters: number;
  /** One full refresh: read the config, probe every registration (8 at a time), merge by identity. */
  refreshMs: number;
  /** Heap held after the refresh and a full GC, over the same process before it. */
  retainedHeapMB: number;
  /** Rows after merging by identity (registrations of one control plane are one cluster). */
  merged: number;
}

/**
 * One ClusterRegistry refresh of `count` registrations in a child process of its own (bench/
 * fleet-registry-child.ts): the time of the refresh and the heap it keeps.
 */
export async function measureRegistryRefresh(planes: FleetPlanes, count: number): Promise<RegistryRefresh> {
  const config = await writeFleetConfig(planes, count);
  const child = spawn(
    process.execPath,
    ['--expose-gc', join(REPO_ROOT, 'bench/fleet-registry-child.ts'), config],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`the registry child exited with ${code}`);
  const result = JSON.parse(out) as RegistryRefresh;
  log(`registry refresh of ${count} clusters: ${result.refreshMs} ms, ${result.retainedHeapMB} MB heap kept`);
  return result;
}
