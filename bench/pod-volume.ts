/**
 * `npm run bench -- volume` pod-volume case: a pod with a ~1 GiB emptyDir on a real node (a nodes
 * harness of its own: one control plane, one kubelet + containerd, versitygw S3), lifeboat's agent
 * deployed from deploy/ with lifeboat's image. Measured end to end: `lifeboat backup create` until
 * the backup is Completed (every PodVolumeBackup with it), and `lifeboat restore create` (into a
 * mapped namespace) until the restore is Completed, its data written by the agent — pod discovery
 * and coordination through the API server included, as `velero ... --wait` ends — and, beside it,
 * until the kubelet reports the pod's application running on that data; against the kopia CLI
 * snapshotting and restoring the same directory directly into the same S3 server. The agent's peak RSS is read from /proc of its process
 * on the node (VmHWM, reset before each step).
 */
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeClient, loadKubeConfig } from '../src/kube/index.ts';
import type { NodeEnv } from '../test/harness/node.ts';
import type { S3Env } from '../test/harness/object-stores.ts';
import { kopiaBinaries, kopiaS3Storage } from '../test/helpers/kopia.ts';
import { eventually } from '../test/helpers/kube.ts';
import { createS3Bucket, writeS3Credentials } from '../test/helpers/locations.ts';
import {
  AGENT_NAMESPACE,
  agentMemory,
  deployAgent,
  importLifeboatImage,
  LIFEBOAT_IMAGE,
  s3LocationConfig,
  taskPid,
} from '../test/helpers/node-agent.ts';
import { busyboxContainer, onlyNode, podVolumeDir } from '../test/helpers/nodes.ts';
import { readPodVolumeBackups, REPO_PASSWORD, treeOf } from '../test/helpers/real-pod-volumes.ts';
import { cliNodeArgs, LIFEBOAT_CLI, log, MB, REPO_ROOT, round, table, withHarness } from './common.ts';
import { kopiaRun, type Run, settleWriteback, timed } from './kopia-cli.ts';
import { cliLogEvents, formatTimeline, restoreTimeline } from './pod-volume-trace.ts';
import { writeTree } from './volume-trees.ts';

const GIB = 1024 * MB;
/** Targets from issue 16. */
const TARGET_RATIO = 1.3;
const TARGET_RSS_MB = 300;
const NS = 'bench-pv';
const RESTORED_NS = 'bench-pv-restored';

export interface PodVolumeStep {
  /**
   * The CLI command end to end (pod discovery, work objects, the agents), until the backup or the
   * restore is Completed, as `velero ... --wait` ends; the agents' CPU is the agent pod's, not
   * measured here.
   */
  lifeboat: Pick<Run, 'wallMs' | 'maxRssMB'>;
  /** The restore only: from its start until the kubelet reports the pod's application running. */
  podRunningMs?: number;
  kopia: Run;
  /** The PodVolumeBackup's / PodVolumeRestore's own start → completion in the agent (1 s resolution). */
  agentMs: number | undefined;
  /** 1-minute load average before and after the lifeboat run. */
  load: [number, number];
  /** CPU time of the CLI process and of the agent's process during the step (not the pods' own). */
  cpu: { cliMs: number; agentMs: number };
}

export interface PodVolumeResult {
  gib: number;
  files: number;
  bytes: number;
  agentIdleRssMB: number;
  backup: PodVolumeStep;
  restore: PodVolumeStep;
  /** The restored volume equals the source: content, modes, sizes and mtimes (µs) of every file. */
  identical: boolean;
}

interface Bench {
  work: string;
  client: KubeClient;
  node: NodeEnv;
  s3: S3Env;
  bucket: string;
  kubeconfig: string;
  config: string;
  kopia: string;
  agent: string;
  agentPod: { name: string; uid: string };
}

/** Runs the case on a nodes harness of its own, always stopped at the end (and on SIGINT / SIGTERM). */
export function benchPodVolume(gib: number): Promise<PodVolumeResult> {
  const options = { prefix: 'lifeboat-bench-podvolume', clusters: ['source'], nodes: 1, s3: true };
  return withHarness({ ...options, what: 'pod-volume: a nodes harness' }, async ({ dir: work, env }) => {
    const cluster = env.clusters['source'];
    const s3 = env.s3;
    if (cluster === undefined || s3 === undefined) throw new Error('the harness has no cluster or S3');
    const node = onlyNode(cluster.nodes, 'source');
    const client = new KubeClient(loadKubeConfig({ kubeconfig: cluster.kubeconfig }));
    try {
      const bench = await prepare({ work, client, node, s3, kubeconfig: cluster.kubeconfig }, cluster.server);
      return await measure(bench, gib);
    } finally {
      client.close();
    }
  });
}

async function prepare(
  b: Omit<Bench, 'bucket' | 'config' | 'kopia' | 'agent' | 'agentPod'>,
  apiServer: string,
): Promise<Bench> {
  const bucket = await createS3Bucket(b.s3);
  const credentials = await writeS3Credentials(join(b.work, 'credentials'), b.s3);
  const config = join(b.work, 'config.yaml');
  await writeFile(config, s3LocationConfig(b.s3, bucket, credentials));
  const { kopia } = await kopiaBinaries();
  log("pod-volume: building lifeboat's image and deploying the agent DaemonSet");
  await importLifeboatImage([b.node]);
  const agent = await deployAgent(b.client, { node: b.node, apiServer, s3: b.s3, bucket });
  return { ...b, bucket, config, kopia, agent: agent.containerId, agentPod: agent };
}

/** A pod that only sleeps, mounting one emptyDir at /data, opted in to file-system backup. */
function benchPod(): V1Pod {
  return {
    metadata: { name: 'db', annotations: { 'backup.velero.io/backup-volumes': 'data' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      containers: [
        busyboxContainer('app', 'trap "exit 0" TERM; while true; do sleep 1; done', [
          { name: 'data', mountPath: '/data' },
        ]),
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
}

function runningPod(client: KubeClient, namespace: string): Promise<V1Pod> {
  return eventually(
    `pod ${namespace}/db running its application`,
    async () => {
      const pod = await client.json<V1Pod>({ path: `/api/v1/namespaces/${namespace}/pods/db` });
      const app = pod.status?.containerStatuses?.find((c) => c.name === 'app');
      return pod.status?.phase === 'Running' && app?.state?.running !== undefined ? pod : undefined;
    },
    { timeoutMs: 3_600_000, intervalMs: 100 },
  );
}

async function measure(b: Bench, gib: number): Promise<PodVolumeResult> {
  await b.client.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: NS } } });
  await b.client.json({ method: 'POST', path: `/api/v1/namespaces/${NS}/pods`, body: benchPod() });
  const pod = await runningPod(b.client, NS);
  const volume = podVolumeDir(b.node, pod, 'empty-dir', 'data');
  // A database's shape: a few large files and many small ones (seeded random data, as bench volume).
  const small = {
    name: 'small',
    files: Math.max(10, Math.round(2000 * gib)),
    bytes: Math.round(0.25 * gib * GIB),
  };
  const large = { name: 'large', files: 3, bytes: Math.round(0.75 * gib * GIB) };
  log(
    `pod-volume: writing ${small.files + large.files} files, ${round((small.bytes + large.bytes) / MB, 0)} MiB into the pod's emptyDir`,
  );
  await writeTree(join(volume, 'small'), small, 'lifeboat-bench-pod-volume');
  await writeTree(join(volume, 'large'), large, 'lifeboat-bench-pod-volume');
  const agentIdleRssMB = round((await agentMemory(b.node, b.agent)).rssKb / 1024, 1);

  // Each step after a sync: none pays for the writeback of the tree or of the step before it.
  await settleWriteback();
  const backup = await lifeboatBackup(b);
  const kopiaSnapshot = await kopiaSide(b, volume);
  await settleWriteback();
  const restore = await lifeboatRestore(b);
  const restored = await runningPod(b.client, RESTORED_NS);
  const identical = sameTree(
    await treeOf(volume),
    await treeOf(podVolumeDir(b.node, restored, 'empty-dir', 'data')),
  );
  return {
    gib,
    files: small.files + large.files,
    bytes: small.bytes + large.bytes,
    agentIdleRssMB,
    backup: { ...backup, kopia: kopiaSnapshot.snapshot },
    restore: { ...restore, kopia: kopiaSnapshot.restore },
    identical,
  };
}

function sameTree(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** Resets the agent process's peak RSS (VmHWM) so the next reading is this step's peak. */
async function resetPeak(b: Bench): Promise<void> {
  await writeFile(`/proc/${await taskPid(b.node, b.agent)}/clear_refs`, '5');
}

/** Runs the CLI under /usr/bin/time; its wall and CPU time, and its JSON log lines at `logLevel`. */
async function cli(
  b: Bench,
  args: string[],
  logLevel = 'error',
): Promise<{ wallMs: number; cpuMs: number; log: string }> {
  const nodeArgs = await cliNodeArgs();
  const report = join(b.work, 'cli-time.txt');
  const started = performance.now();
  let log = '';
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      '/usr/bin/time',
      [
        ...['-f', '%U %S', '-o', report, process.execPath, ...nodeArgs, join(REPO_ROOT, LIFEBOAT_CLI)],
        ...['--config', b.config, '--log-level', logLevel, '--log-format', 'json', ...args],
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LIFEBOAT_NAMESPACE: AGENT_NAMESPACE },
      },
    );
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  const wallMs = performance.now() - started;
  if (code !== 0)
    throw new Error(`lifeboat ${args.slice(0, 2).join(' ')} exited ${code}: ${log.slice(-2000)}`);
  const [user, system] = ((await readFile(report, 'utf8')).trim().split('\n').at(-1) ?? '')
    .split(' ')
    .map(Number);
  return { wallMs, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000, log };
}

/** CPU time of the agent's process so far (utime + stime from /proc, at the kernel's 100 ticks/s). */
async function agentCpuMs(b: Bench): Promise<number> {
  const stat = await readFile(`/proc/${await taskPid(b.node, b.agent)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function lifeboatBackup(b: Bench): Promise<Omit<PodVolumeStep, 'kopia'>> {
  await resetPeak(b);
  const before = loadavg()[0] ?? 0;
  log('pod-volume: lifeboat backup create (objects and the pod volume through the agent)');
  const agentCpuBefore = await agentCpuMs(b);
  const { wallMs, cpuMs } = await cli(b, [
    'backup',
    'create',
    'pv-b',
    '--kubeconfig',
    b.kubeconfig,
    '--include-namespaces',
    NS,
  ]);
  const memory = await agentMemory(b.node, b.agent);
  const cpu = { cliMs: cpuMs, agentMs: (await agentCpuMs(b)) - agentCpuBefore };
  // The backup deletes its work objects once stored: the agent's times are in the stored records.
  const agentMs = span((await readPodVolumeBackups(b.s3, b.bucket, 'pv-b')) as StatusTimes[] | null);
  log(
    `pod-volume: lifeboat backup ${(wallMs / 1000).toFixed(2)} s, agent peak RSS ${round(memory.peakKb / 1024, 0)} MiB`,
  );
  return {
    lifeboat: { wallMs, maxRssMB: round(memory.peakKb / 1024, 1) },
    agentMs,
    load: [before, loadavg()[0] ?? 0],
    cpu,
  };
}

async function lifeboatRestore(b: Bench): Promise<Omit<PodVolumeStep, 'kopia'>> {
  await resetPeak(b);
  const before = loadavg()[0] ?? 0;
  log('pod-volume: lifeboat restore create into a mapped namespace, then until the pod runs on its data');
  const started = performance.now();
  const startedAt = Date.now();
  const agentCpuBefore = await agentCpuMs(b);
  const {
    wallMs,
    cpuMs,
    log: cliLog,
  } = await cli(
    b,
    [
      ...['restore', 'create', 'pv-r', '--from-backup', 'pv-b', '--kubeconfig', b.kubeconfig],
      ...['--namespace-mappings', `${NS}:${RESTORED_NS}`, '--restore-helper-image', LIFEBOAT_IMAGE],
      ...['--pod-volume-timeout', '2h'],
    ],
    'info',
  );
  const cliExit = Date.now() - startedAt;
  const pod = await runningPod(b.client, RESTORED_NS);
  const podRunningMs = performance.now() - started;
  const cpu = { cliMs: cpuMs, agentMs: (await agentCpuMs(b)) - agentCpuBefore };
  const timeline = await restoreTimeline({
    client: b.client,
    node: b.node,
    startedAt,
    pod,
    agentPod: { ...b.agentPod, namespace: AGENT_NAMESPACE },
    pvrPath: `/apis/lifeboat.io/v1alpha1/namespaces/${AGENT_NAMESPACE}/podvolumerestores`,
    pvrSelector: 'velero.io/restore-name=pv-r',
    extra: [
      { atMs: 0, what: 'lifeboat restore create started' },
      { atMs: cliExit, what: 'lifeboat restore create exited' },
      { atMs: podRunningMs, what: "the bench saw the pod's application running" },
      ...cliLogEvents(cliLog, startedAt),
    ],
  });
  log(`pod-volume: the restore's timeline\n${formatTimeline(timeline)}`);
  const memory = await agentMemory(b.node, b.agent);
  const agentMs = await agentSpan(b, 'podvolumerestores', 'velero.io/restore-name=pv-r');
  log(
    `pod-volume: lifeboat restore ${(wallMs / 1000).toFixed(2)} s (its pod running at ${(podRunningMs / 1000).toFixed(2)} s), agent peak RSS ${round(memory.peakKb / 1024, 0)} MiB`,
  );
  return {
    lifeboat: { wallMs, maxRssMB: round(memory.peakKb / 1024, 1) },
    podRunningMs,
    agentMs,
    load: [before, loadavg()[0] ?? 0],
    cpu,
  };
}

type StatusTimes = { status?: { startTimestamp?: string; completionTimestamp?: string } };

/** Start → completion of a backup's or restore's volumes in the agent, from their status. */
function span(items: readonly StatusTimes[] | null): number | undefined {
  const starts = (items ?? []).map((i) => Date.parse(i.status?.startTimestamp ?? ''));
  const ends = (items ?? []).map((i) => Date.parse(i.status?.completionTimestamp ?? ''));
  const ms = Math.max(...ends) - Math.min(...starts);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The agent's span of a restore's PodVolumeRestores (they stay in lifeboat's namespace). */
async function agentSpan(b: Bench, plural: string, selector: string): Promise<number | undefined> {
  const list = await b.client.json<{ items: StatusTimes[] }>({
    path: `/apis/lifeboat.io/v1alpha1/namespaces/${AGENT_NAMESPACE}/${plural}`,
    query: { labelSelector: selector },
  });
  return span(list.items);
}

/** The kopia CLI on the same directory, into a repository of its own in the same S3 server. */
async function kopiaSide(b: Bench, volume: string): Promise<{ snapshot: Run; restore: Run }> {
  const base = ['--config-file', join(b.work, 'kopia.config'), '--password', REPO_PASSWORD];
  await kopiaRun(
    b.kopia,
    [
      ...['repository', 'create', ...kopiaS3Storage(b.s3, b.bucket, 'kopia-cli/')],
      ...['--cache-directory', join(b.work, 'kopia-cache'), '--no-persist-credentials', ...base],
    ],
    b.work,
  );
  log('pod-volume: kopia snapshot create of the same directory');
  await settleWriteback();
  const snapshot = await timed(b.kopia, ['snapshot', 'create', volume, '--json', ...base], b.work);
  const id = (JSON.parse(snapshot.stdout) as { id?: string }).id ?? '';
  log('pod-volume: kopia snapshot restore');
  const target = join(b.work, 'kopia-restore');
  await settleWriteback();
  const restore = await timed(b.kopia, ['snapshot', 'restore', id, target, ...base], b.work);
  await rm(target, { recursive: true, force: true });
  return { snapshot: snapshot.run, restore: restore.run };
}

export function formatPodVolume(r: PodVolumeResult): string {
  const rows: string[][] = [
    [
      ...['pod volume', 'step', 'lifeboat', 'agent', 'kopia', 'ratio', 'target'],
      ...['CPU CLI+agent', 'kopia CPU', 'agent RSS', 'kopia RSS', 'load'],
    ],
  ];
  const label = `${r.files} files, ${round(r.bytes / MB, 0)} MiB`;
  for (const step of ['backup', 'restore'] as const) {
    const s = r[step];
    rows.push([
      step === 'backup' ? label : '',
      step === 'backup' ? 'backup → Completed' : 'restore → Completed',
      `${(s.lifeboat.wallMs / 1000).toFixed(2)} s`,
      s.agentMs === undefined ? '-' : `${(s.agentMs / 1000).toFixed(0)} s`,
      `${(s.kopia.wallMs / 1000).toFixed(2)} s`,
      `${round(s.lifeboat.wallMs / s.kopia.wallMs, 2)}x`,
      `≤ ${TARGET_RATIO}x`,
      `${(s.cpu.cliMs / 1000).toFixed(2)}+${(s.cpu.agentMs / 1000).toFixed(2)} s`,
      `${(s.kopia.cpuMs / 1000).toFixed(2)} s`,
      `${s.lifeboat.maxRssMB} MB`,
      `${s.kopia.maxRssMB} MB`,
      `${s.load[0].toFixed(1)}→${s.load[1].toFixed(1)}`,
    ]);
  }
  const running = r.restore.podRunningMs;
  return [
    table(rows),
    ...(running === undefined
      ? []
      : [
          `restore → the pod's application running: ${(running / 1000).toFixed(2)} s (${round(running / r.restore.kopia.wallMs, 2)}x kopia's restore): the kubelet starts it once restore-wait has seen the data, and reports it at its next relist.`,
        ]),
    `agent RSS idle ${r.agentIdleRssMB} MB; peak target ≤ ${TARGET_RSS_MB} MB. Restored volume identical to the source: ${r.identical ? 'yes' : 'NO'}.`,
    'lifeboat: the CLI from start to end, until the backup or restore is Completed (objects, pod discovery, work objects, the agent); agent: its own start → completion.',
  ].join('\n');
}
