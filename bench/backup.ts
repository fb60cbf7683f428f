/**
 * `npm run bench -- backup`: lifeboat's whole-cluster backup against the raw floor (a bare paged LIST
 * of the same resources, bench/floor.ts), at growing sizes of the reference workload, on a private
 * control plane. Figures are medians of interleaved runs (floor, lifeboat, floor, lifeboat, ...).
 */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import {
  directObjects,
  objectsPerNamespace,
  seedWorkload,
  shapeFor,
  waitForWorkloadPods,
  type WorkloadShape,
} from '../test/helpers/workload.ts';
import {
  buildForBench,
  cliNodeArgs,
  compiledFloor,
  LIFEBOAT_CLI,
  log,
  machine,
  MB,
  median,
  parsePositiveInt,
  runMeasured,
  table,
  UsageError,
  withControlPlane,
  type BenchControlPlane,
  type MeasuredRun,
  round,
  seconds,
  writeBenchConfig,
} from './common.ts';
import { formatProfile, summarizeProfileFile, type ProfileSummary } from './cpuprofile.ts';

export const backupUsage = `npm run bench -- backup [options]
  --sizes N,N        workload sizes in objects, ascending (default 10000,100000)
  --runs N           measured runs of each side per size (default 5 up to 20k objects, else 2)
  --concurrency N    creates in flight while seeding (default 48)
  --json FILE        also write the JSON result to FILE
  --profile DIR      after measuring, one extra backup per size under --cpu-prof; profiles in DIR
  --keep-cluster     leave the control plane running (prints how to stop it)`;

/** The node options the installed CLI runs with (its shebang line), used for every lifeboat run. */
const LIFEBOAT_NODE_ARGS = await cliNodeArgs();

/** Targets from issue 3. */
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 200;

interface FloorRun {
  wallMs: number;
  processMs: number;
  maxRssMB: number;
  items: number;
}

interface BackupRun extends FloorRun {
  name: string;
  phase: string;
  archiveBytes: number;
  folderBytes: number;
}

interface SizeResult {
  targetObjects: number;
  namespaces: number;
  seeding: { objectsCreated: number; seconds: number; objectsPerSecond: number; controllersSeconds: number };
  floor: { wallMs: number; processMs: number; maxRssMB: number; items: number; runs: FloorRun[] };
  lifeboat: {
    wallMs: number;
    processMs: number;
    maxRssMB: number;
    items: number;
    archiveBytes: number;
    folderBytes: number;
    runs: BackupRun[];
  };
  ratio: number;
  profile?: ProfileSummary & { file: string };
}

export async function benchBackup(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      runs: { type: 'string' },
      concurrency: { type: 'string', default: '48' },
      json: { type: 'string' },
      profile: { type: 'string' },
      'keep-cluster': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${backupUsage}\n`);
    return 0;
  }
  const sizes = [...new Set(values.sizes.split(',').map((s) => parsePositiveInt(s.trim(), '--sizes')))].sort(
    (a, b) => a - b,
  );
  const runsOverride = values.runs === undefined ? undefined : parsePositiveInt(values.runs, '--runs');
  const concurrency = parsePositiveInt(values.concurrency, '--concurrency');
  const profileDir = values.profile;
  if (profileDir !== undefined) await mkdir(profileDir, { recursive: true });

  await buildForBench();
  const results = await withControlPlane(
    { keep: values['keep-cluster'], prefix: 'lifeboat-bench' },
    (plane) => runSizes(plane, { sizes, runsOverride, concurrency, profileDir }),
  );

  const largest = results.at(-1);
  const smallest = results[0];
  const output = {
    benchmark: 'backup',
    machine: machine(),
    date: new Date().toISOString(),
    targets: { ratio: TARGET_RATIO, maxRssMBAt100k: TARGET_RSS_MB },
    lifeboatNodeArgs: LIFEBOAT_NODE_ARGS,
    sizes: results,
    rssGrowthMB:
      largest !== undefined && smallest !== undefined && results.length > 1
        ? round(largest.lifeboat.maxRssMB - smallest.lifeboat.maxRssMB, 1)
        : undefined,
  };
  process.stdout.write(`\n${formatTable(results)}\n\n`);
  const json = JSON.stringify(output, null, 2);
  process.stdout.write(`${json}\n`);
  if (values.json !== undefined) await writeFile(values.json, `${json}\n`);
  return 0;
}

async function runSizes(
  plane: BenchControlPlane,
  options: {
    sizes: number[];
    runsOverride: number | undefined;
    concurrency: number;
    profileDir: string | undefined;
  },
): Promise<SizeResult[]> {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: plane.kubeconfig }), {
    maxSockets: options.concurrency,
  });
  const bucket = join(plane.dir, 'store');
  const config = join(plane.dir, 'config.yaml');
  await mkdir(bucket, { recursive: true });
  await writeBenchConfig(config, bucket);
  const results: SizeResult[] = [];
  let previous: WorkloadShape | undefined;
  try {
    for (const size of options.sizes) {
      const shape = shapeFor(size);
      log(
        `size ${size}: ${shape.namespaces} namespaces of ${objectsPerNamespace(shape)} objects` +
          (previous ? ` (growing from ${previous.namespaces})` : ''),
      );
      const seeding = await seed(client, shape, previous?.namespaces ?? 0, options.concurrency);
      previous = shape;
      const runs = options.runsOverride ?? (size <= 20_000 ? 5 : 2);
      const result = await measureSize(plane, { size, shape, seeding, runs, config, bucket });
      if (options.profileDir !== undefined) {
        result.profile = await profileBackup(plane, { size, config, bucket, dir: options.profileDir });
      }
      results.push(result);
      log(
        `size ${size}: floor ${seconds(result.floor.wallMs)}, lifeboat ${seconds(result.lifeboat.wallMs)} ` +
          `(${result.ratio.toFixed(2)}×), RSS ${result.floor.maxRssMB} / ${result.lifeboat.maxRssMB} MB`,
      );
    }
  } finally {
    client.close();
  }
  return results;
}

/** Seeds (or grows) the reference workload and waits for the controller manager's Pods. */
export async function seed(
  client: KubeClient,
  shape: WorkloadShape,
  fromNamespace: number,
  concurrency: number,
): Promise<SizeResult['seeding']> {
  const want = directObjects(shape, fromNamespace);
  const started = performance.now();
  let last = { at: started, done: 0 };
  log(`seeding ${want} objects, ${concurrency} at a time`);
  await seedWorkload(client, shape, {
    concurrency,
    fromNamespace,
    progressEvery: 5000,
    onProgress: (done) => {
      const now = performance.now();
      const rate = ((done - last.done) * 1000) / (now - last.at);
      const overall = (done * 1000) / (now - started);
      log(
        `seeded ${done}/${want} objects (${Math.round(rate)}/s now, ${Math.round(overall)}/s overall, ` +
          `heap ${Math.round(process.memoryUsage().heapUsed / MB)} MB)`,
      );
      last = { at: now, done };
    },
  });
  const seedMs = performance.now() - started;
  log(
    `seeded ${want} objects in ${seconds(seedMs)} (${Math.round((want * 1000) / seedMs)}/s); waiting for pods`,
  );
  const waitStarted = performance.now();
  await waitForWorkloadPods(client, shape, 1_800_000);
  const controllersMs = performance.now() - waitStarted;
  log(
    `controller manager caught up (${shape.namespaces * shape.deployments} pods) after ${seconds(controllersMs)}`,
  );
  return {
    objectsCreated: want,
    seconds: round(seedMs / 1000, 1),
    objectsPerSecond: Math.round((want * 1000) / seedMs),
    controllersSeconds: round(controllersMs / 1000, 1),
  };
}

async function measureSize(
  plane: BenchControlPlane,
  o: {
    size: number;
    shape: WorkloadShape;
    seeding: SizeResult['seeding'];
    runs: number;
    config: string;
    bucket: string;
  },
): Promise<SizeResult> {
  // Untimed: warms the API server's and the page cache's view of the new objects, checks the count;
  // then the same for lifeboat, whose first run after a build also fills Node's compile cache (as an
  // installed CLI's first run does once) — both sides are measured warm.
  const warm = await runFloor(plane);
  log(`warm-up floor: ${warm.items} items in ${seconds(warm.wallMs)}`);
  const warmBackup = await runBackup(plane, {
    name: `bench-${o.size}-warm-up`,
    config: o.config,
    bucket: o.bucket,
  });
  log(`warm-up lifeboat: ${warmBackup.items} items in ${seconds(warmBackup.wallMs)}`);
  const floorRuns: FloorRun[] = [];
  const backupRuns: BackupRun[] = [];
  for (let n = 1; n <= o.runs; n++) {
    const f = await runFloor(plane);
    floorRuns.push(f);
    log(`run ${n}/${o.runs} floor: ${f.items} items, ${seconds(f.wallMs)}, ${f.maxRssMB} MB`);
    const b = await runBackup(plane, { name: `bench-${o.size}-${n}`, config: o.config, bucket: o.bucket });
    backupRuns.push(b);
    log(
      `run ${n}/${o.runs} lifeboat: ${b.items} items, ${seconds(b.wallMs)}, ${b.maxRssMB} MB, ` +
        `archive ${(b.archiveBytes / MB).toFixed(1)} MB (${b.phase})`,
    );
  }
  const floor = {
    wallMs: Math.round(median(floorRuns.map((r) => r.wallMs))),
    processMs: Math.round(median(floorRuns.map((r) => r.processMs))),
    maxRssMB: round(median(floorRuns.map((r) => r.maxRssMB)), 1),
    items: median(floorRuns.map((r) => r.items)),
    runs: floorRuns,
  };
  const lifeboat = {
    wallMs: Math.round(median(backupRuns.map((r) => r.wallMs))),
    processMs: Math.round(median(backupRuns.map((r) => r.processMs))),
    maxRssMB: round(median(backupRuns.map((r) => r.maxRssMB)), 1),
    items: median(backupRuns.map((r) => r.items)),
    archiveBytes: Math.round(median(backupRuns.map((r) => r.archiveBytes))),
    folderBytes: Math.round(median(backupRuns.map((r) => r.folderBytes))),
    runs: backupRuns,
  };
  return {
    targetObjects: o.size,
    namespaces: o.shape.namespaces,
    seeding: o.seeding,
    floor,
    lifeboat,
    ratio: round(lifeboat.wallMs / floor.wallMs, 2),
  };
}

async function runFloor(plane: BenchControlPlane): Promise<FloorRun> {
  const run = await runMeasured(compiledFloor('floor'), [plane.kubeconfig], {
    reportDir: plane.dir,
    keepLine: (l) => l.startsWith('{'),
  });
  check(run, 'floor');
  const out = JSON.parse(run.lines.at(-1) ?? '{}') as { items?: number };
  return {
    wallMs: Math.round(run.wallMs),
    processMs: Math.round(run.processMs),
    maxRssMB: round(run.maxRssBytes / MB, 1),
    items: out.items ?? Number.NaN,
  };
}

function backupArgs(name: string, kubeconfig: string, config: string): string[] {
  return [
    'backup',
    'create',
    name,
    '--kubeconfig',
    kubeconfig,
    '--config',
    config,
    '--log-level',
    'warn',
    '-o',
    'json',
  ];
}

async function runBackup(
  plane: BenchControlPlane,
  o: { name: string; config: string; bucket: string; nodeArgs?: string[] },
): Promise<BackupRun> {
  const run = await runMeasured(LIFEBOAT_CLI, backupArgs(o.name, plane.kubeconfig, o.config), {
    reportDir: plane.dir,
    nodeArgs: [...LIFEBOAT_NODE_ARGS, ...(o.nodeArgs ?? [])],
    keepLine: (l) => l.includes('"type":"result"'),
  });
  check(run, `backup ${o.name}`);
  const result = JSON.parse(run.lines.at(-1) ?? '{}') as {
    backup?: { itemsBackedUp?: number; phase?: string };
  };
  const folder = join(o.bucket, 'backups', o.name);
  const archiveBytes = (await stat(join(folder, `${o.name}.tar.gz`))).size;
  let folderBytes = 0;
  for (const f of await readdir(folder)) folderBytes += (await stat(join(folder, f))).size;
  await rm(folder, { recursive: true, force: true }); // keeps the store (and disk use) small
  return {
    name: o.name,
    phase: result.backup?.phase ?? 'unknown',
    wallMs: Math.round(run.wallMs),
    processMs: Math.round(run.processMs),
    maxRssMB: round(run.maxRssBytes / MB, 1),
    items: result.backup?.itemsBackedUp ?? Number.NaN,
    archiveBytes,
    folderBytes,
  };
}

async function profileBackup(
  plane: BenchControlPlane,
  o: { size: number; config: string; bucket: string; dir: string },
): Promise<ProfileSummary & { file: string }> {
  const name = `bench-${o.size}-profile`;
  const file = join(o.dir, `backup-${o.size}.cpuprofile`);
  log(`profiling one more backup (${name}) with --cpu-prof`);
  const run = await runBackup(plane, {
    name,
    config: o.config,
    bucket: o.bucket,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${o.dir}`, `--cpu-prof-name=backup-${o.size}.cpuprofile`],
  });
  const summary = await summarizeProfileFile(file);
  log(`profiled backup: ${seconds(run.wallMs)} under the profiler\n${formatProfile(summary)}`);
  return { ...summary, file };
}

function check(run: MeasuredRun, what: string): void {
  if (run.code !== 0) throw new Error(`${what} exited with code ${run.code}:\n${run.stderrTail}`);
}

function formatTable(results: readonly SizeResult[]): string {
  const rows: string[][] = [
    [
      'objects',
      'items floor',
      'items lifeboat',
      'floor s',
      'lifeboat s',
      'ratio',
      `target`,
      'RSS floor MB',
      'RSS lifeboat MB',
      'archive MB',
      'folder MB',
      'seed obj/s',
    ],
  ];
  for (const r of results) {
    rows.push([
      String(r.targetObjects),
      String(r.floor.items),
      String(r.lifeboat.items),
      (r.floor.wallMs / 1000).toFixed(2),
      (r.lifeboat.wallMs / 1000).toFixed(2),
      `${r.ratio.toFixed(2)}x`,
      r.ratio <= TARGET_RATIO ? `ok <=${TARGET_RATIO}x` : `MISS >${TARGET_RATIO}x`,
      r.floor.maxRssMB.toFixed(1),
      r.lifeboat.maxRssMB.toFixed(1),
      (r.lifeboat.archiveBytes / MB).toFixed(2),
      (r.lifeboat.folderBytes / MB).toFixed(2),
      String(r.seeding.objectsPerSecond),
    ]);
  }
  const m = machine();
  const runs = results.map((r) => `${r.targetObjects}: ${r.floor.runs.length}`).join(', ');
  const rss = results.at(-1);
  const notes = [
    `backup benchmark — node ${m.node}, ${m.cpus} cores (${m.cpuModel}); medians of interleaved runs (${runs})`,
    `times: wall inside the process (module load to exit), both compiled (${LIFEBOAT_CLI}, ${compiledFloor('floor')}); ratio = lifeboat / floor`,
    rss !== undefined
      ? `peak RSS target: <= ${TARGET_RSS_MB} MB at 100k objects — lifeboat ${rss.lifeboat.maxRssMB} MB at ${rss.targetObjects} ` +
        `(${rss.lifeboat.maxRssMB <= TARGET_RSS_MB ? 'ok' : 'MISS'})`
      : '',
  ];
  return `${notes.filter(Boolean).join('\n')}\n\n${table(rows)}`;
}

export { UsageError };
