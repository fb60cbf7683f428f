import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureComponent } from './build.ts';
import { etcd, kubernetes, versitygw } from './components.ts';
import { startControlPlane } from './control-plane.ts';
import { prepareNodes, startClusterNodes, teardownNode } from './harness-nodes.ts';
import { removeKubeletSocketWhenNoneRuns } from './node-host.ts';
import type { NodeEnv, NodeRecord } from './node.ts';
import { startAzurite, startS3, type AzureEnv, type S3Env } from './object-stores.ts';
import { isAlive, stopProcess, type ManagedProcess } from './processes.ts';

/** What tests and scripts read: where each started component is reached. Written to env.json. */
export interface HarnessEnv {
  /** `nodes` lists the cluster's real nodes (`--nodes N`); empty when it has none. */
  clusters: Record<string, { kubeconfig: string; server: string; nodes: NodeEnv[] }>;
  s3?: S3Env;
  azure?: AzureEnv;
}

export interface HarnessOptions {
  stateDir: string;
  clusters: string[];
  s3: boolean;
  azure: boolean;
  /** Real nodes (kubelet + containerd) per cluster, and a kube-scheduler per cluster; 0 when absent. */
  nodes?: number;
  /** Import lifeboat's own image (registry.local/lifeboat:dev) into the nodes; needs `npm run build`. */
  lifeboatImage?: boolean;
  log?: (line: string) => void;
  /**
   * Interrupts the start (SIGINT while starting): nothing more is started, what was started is
   * stopped (as after a failed start), and up rejects. Its caller then runs down for the data.
   */
  signal?: AbortSignal;
}

interface HarnessState {
  env: HarnessEnv;
  processes: ManagedProcess[];
  nodes?: NodeRecord[];
}

const ENV_FILE = 'env.json';
const STATE_FILE = 'state.json';

/**
 * Starts the requested components and writes DIR/env.json. Everything started is recorded in
 * DIR/state.json as it starts, so `down` stops it even after a failed or interrupted `up`.
 */
export async function up(options: HarnessOptions): Promise<HarnessEnv> {
  const stateDir = resolve(options.stateDir);
  const log = options.log ?? (() => {});
  await mkdir(stateDir, { recursive: true });
  const existing = await readState(stateDir);
  if (existing !== undefined && existing.processes.some((p) => isAlive(p.pid))) {
    throw new Error(
      `a harness is already running in ${stateDir}; run 'harness down --state-dir ${stateDir}' first`,
    );
  }
  const goOn = () => {
    if (options.signal?.aborted) throw new Error(`the harness start in ${stateDir} was interrupted`);
  };
  for (const name of options.clusters) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
      throw new Error(`cluster name '${name}' must be a DNS label`);
  }
  // Build (or find cached) binaries one component at a time: builds are CPU- and memory-heavy.
  if (options.clusters.length > 0) {
    await ensureComponent(etcd, log);
    await ensureComponent(kubernetes, log);
  }
  if (options.s3) await ensureComponent(versitygw, log);
  const nodeCount = options.clusters.length > 0 ? (options.nodes ?? 0) : 0;
  const nodeOptions = { count: nodeCount, lifeboatImage: options.lifeboatImage ?? false };
  const images = nodeCount > 0 ? await prepareNodes(stateDir, nodeOptions, log) : [];

  const state: HarnessState = { env: { clusters: {} }, processes: [], nodes: [] };
  const save = () => writeFile(join(stateDir, STATE_FILE), JSON.stringify(state, null, 2));
  // Each start is recorded before anything else begins, and the next one waits for goOn.
  const record = async (procs: ManagedProcess[]) => {
    state.processes.push(...procs);
    await save();
    goOn();
  };
  const recordNode = async (node: NodeRecord) => {
    state.nodes?.push(node);
    await save();
    goOn();
  };
  try {
    goOn();
    const started = await Promise.all(
      [
        ...options.clusters.map(async (name, position) => {
          log(`starting control plane '${name}'`);
          const plane = await startControlPlane(name, join(stateDir, 'clusters', name), log);
          const cluster = { kubeconfig: plane.kubeconfig, server: plane.server, nodes: [] as NodeEnv[] };
          state.env.clusters[name] = cluster;
          await record(plane.processes);
          log(`control plane '${name}' ready at ${plane.server}`);
          if (nodeCount === 0) return;
          cluster.nodes = await startClusterNodes(
            stateDir,
            { ...plane, position },
            { ...nodeOptions, images },
            { process: (p) => record([p]), node: recordNode },
            log,
          );
        }),
        options.s3
          ? startS3(join(stateDir, 's3'), log).then(async ({ env, proc }) => {
              state.env.s3 = env;
              await record([proc]);
              log(`versitygw (S3) ready at ${env.endpoint}`);
            })
          : Promise.resolve(),
        options.azure
          ? startAzurite(join(stateDir, 'azurite')).then(async ({ env, proc }) => {
              state.env.azure = env;
              await record([proc]);
              log(`azurite (Azure Blob) ready at ${env.blobEndpoint}`);
            })
          : Promise.resolve(),
      ].map((p) =>
        p.then(
          () => undefined,
          (err: unknown) => err,
        ),
      ),
    );
    const failures = started.filter((e): e is Error => e !== undefined);
    if (failures.length > 0) throw new AggregateError(failures, failures.map((f) => f.message).join('\n'));
  } catch (err) {
    await down(stateDir);
    throw err;
  }
  await writeFile(join(stateDir, ENV_FILE), JSON.stringify(state.env, null, 2), { mode: 0o600 });
  return state.env;
}

/** Stops everything recorded in DIR/state.json, by PID; removes env.json. Safe to run twice. */
export async function down(stateDir: string, options: { removeData?: boolean } = {}): Promise<void> {
  const dir = resolve(stateDir);
  const state = await readState(dir);
  if (state !== undefined) {
    // Nodes first, while their control plane still answers: their pods are deleted through it.
    const left = await Promise.all(
      (state.nodes ?? []).map((node) => teardownNode(node, state.env.clusters[node.cluster]?.kubeconfig)),
    );
    await Promise.all([...state.processes].reverse().map((p) => stopProcess(p, p.graceMs)));
    if ((state.nodes ?? []).length > 0) await removeKubeletSocketWhenNoneRuns();
    // state.json stays for another `down` (each step is idempotent) when something could not go.
    if (left.flat().length > 0) {
      throw new Error(`harness down could not remove: ${left.flat().join(', ')}; run it again as root`);
    }
  }
  await rm(join(dir, ENV_FILE), { force: true });
  await rm(join(dir, STATE_FILE), { force: true });
  if (options.removeData === true) await rm(dir, { recursive: true, force: true });
}

export async function readEnv(stateDir: string): Promise<HarnessEnv> {
  return JSON.parse(await readFile(join(resolve(stateDir), ENV_FILE), 'utf8')) as HarnessEnv;
}

/** The real nodes a harness started, as recorded for `down`. */
export async function harnessNodes(stateDir: string): Promise<NodeRecord[]> {
  return (await readState(resolve(stateDir)))?.nodes ?? [];
}

export async function runningProcesses(stateDir: string): Promise<ManagedProcess[]> {
  const state = await readState(resolve(stateDir));
  return state === undefined ? [] : state.processes.filter((p) => isAlive(p.pid));
}

async function readState(dir: string): Promise<HarnessState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as HarnessState;
  } catch {
    return undefined;
  }
}
