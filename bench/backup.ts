/**
 * `npm run bench -- backup`: lifeboat's whole-cluster backup against the raw floor (a bare paged LIST
 * of the same resources, bench/floor.ts), at growing sizes of each workload shape — the reference
 * workload and issue 14's namespaces of plain objects — each on its own private control plane; and
 * beside it the selected-namespaces cases (bench/backup-selection.ts). Figures are medians of
 * interleaved runs (floor, lifeboat, floor, lifeboat, ...).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import {
  directObjects,
  namespacesShapeFor,
  objectsPerNamespace,
  seedWorkload,
  shapeFor,
  waitForWorkloadEndpointSlices,
  waitForWorkloadPods,
  type WorkloadShape,
} from '../test/helpers/workload.ts';
import { LIFEBOAT_NODE_ARGS, runBackup, runFloor, type BackupRun, type FloorRun } from './backup-runs.ts';
import {
  formatSelectionTable,
  SELECTION_TARGET_VS_FLOOR,
  SELECTION_TARGET_VS_WHOLE,
  SelectionRuns,
  type SelectionResult,
} from './backup-selection.ts';
import {
  buildForBench,
  compiledFloor,
  LIFEBOAT_CLI,
  log,
  machine,
  MB,
  median,
  pairedRatios,
  parsePositiveInt,
  table,
  UsageError,
  withControlPlane,
  type BenchControlPlane,
  round,
  seconds,
  writeBenchConfig,
} from './common.ts';
import { formatProfile, summarizeProfileFile, type ProfileSummary } from './cpuprofile.ts';

export const backupUsage = `npm run bench -- backup [options]
  --sizes N,N        workload sizes in objects, ascending (default 10000,100000)
  --shape S,S        workload shapes, each on its own control plane (default reference,namespaces):
                     reference = DESIGN.md §6's mix; namespaces = issue 14's namespaces of 200 plain
                     objects (ConfigMaps, Secrets, headless Services, ServiceAccounts; 50 at 10000)
  --runs N           measured runs of each side per size (default 5 up to 20k objects, else 2)
  --concurrency N    creates in flight while seeding (default 48)
  --json FILE        also write the JSON result to FILE
  --profile DIR      after measuring, one extra backup per size under --cpu-prof; profiles in DIR
  --keep-cluster     leave the control plane running (prints how to stop it)`;

/** The workload shapes: seeded by test/helpers/workload.ts. */
const SHAPES: Record<string, (size: number) => WorkloadShape> = {
  reference: (size) => shapeFor(size),
  namespaces: (size) => namespacesShapeFor(size),
};

/** Targets from issue 3. */
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 200;

interface SizeResult {
  shape: string;
  targetObjects: number;
  namespaces: number;
  seeding: { objectsCreated: number; seconds: number; objectsPerSecond: number; controllersSeconds: number };
  floor: {
    wallMs: number;
    processMs: number;
    cpuMs: number;
    maxRssMB: number;
    items: number;
    runs: FloorRun[];
  };
  lifeboat: {
    wallMs: number;
    processMs: number;
    cpuMs: number;
    maxRssMB: number;
    items: number;
    archiveBytes: number;
    folderBytes: number;
    runs: BackupRun[];
  };
  ratio: number;
  /** Each round's lifeboat run / the same round's floor run. */
  ratioByRound: number[];
  /** The selected-namespaces cases on the same estate. */
  selections: SelectionResult[];
  profile?: ProfileSummary & { file: string };
}

export async function benchBackup(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      shape: { type: 'string', default: 'reference,namespaces' },
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
  const shapes = [...new Set(values.shape.split(',').map((s) => s.trim()))];
  const unknown = shapes.find((s) => SHAPES[s] === undefined);
  if (unknown !== undefined)
    throw new UsageError(`--shape: '${unknown}' is not one of ${Object.keys(SHAPES).join(', ')}`);
  const runsOverride = values.runs === undefined ? undefined : parsePositiveInt(values.runs, '--runs');
  const concurrency = parsePositiveInt(values.concurrency, '--concurrency');
  const profileDir = values.profile;
  if (profileDir !== undefined) await mkdir(profileDir, { recursive: true });

  await buildForBench();
  const byShape = new Map<string, SizeResult[]>();
  for (const shape of shapes) {
    log(`shape ${shape}`);
    const forShape = await withControlPlane(
      { keep: values['keep-cluster'], prefix: 'lifeboat-bench' },
      (plane) => runSizes(plane, { shape, sizes, runsOverride, concurrency, profileDir }),
    );
    byShape.set(shape, forShape);
  }

  const results = byShape.get('reference') ?? [];
  const namespacesShape = byShape.get('namespaces') ?? [];
  const largest = results.at(-1);
  const smallest = results[0];
  const output = {
    benchmark: 'backup',
    machine: machine(),
    date: new Date().toISOString(),
    targets: {
      ratio: TARGET_RATIO,
      maxRssMBAt100k: TARGET_RSS_MB,
      selectionVsWhole: SELECTION_TARGET_VS_WHOLE,
      selectionVsFloor: SELECTION_TARGET_VS_FLOOR,
    },
    lifeboatNodeArgs: LIFEBOAT_NODE_ARGS,
    /** The reference workload. */
    sizes: results,
    /** Issue 14's shape: namespaces of 200 plain objects. */
    namespacesShape,
    rssGrowthMB:
      largest !== undefined && smallest !== undefined && results.length > 1
        ? round(largest.lifeboat.maxRssMB - smallest.lifeboat.maxRssMB, 1)
        : undefined,
  };
  const tables = [
    results.length > 0 ? formatTable(results) : '',
    namespacesShape.length > 0
      ? `shape namespaces (issue 14: namespaces of 200 plain objects), whole cluster:\n${formatTable(namespacesShape)}`
      : '',
    formatSelectionTable([...results, ...namespacesShape]),
  ];
  process.stdout.write(`\n${tables.filter(Boolean).join('\n\n')}\n\n`);
  const json = JSON.stringify(output, null, 2);
  process.stdout.write(`${json}\n`);
  if (values.json !== undefined) await writeFile(values.json, `${json}\n`);
  return 0;
}

async function runSizes(
  plane: BenchControlPlane,
  options: {
    shape: string;
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
      const shape = SHAPES[options.shape]!(size);
      log(
        `size ${size}: ${shape.namespaces} namespaces of ${objectsPerNamespace(shape)} objects` +
          (previous ? ` (growing from ${previous.namespaces})` : ''),
      );
      const seeding = await seed(client, shape, previous?.namespaces ?? 0, options.concurrency);
      previous = shape;
      const runs = options.runsOverride ?? (size <= 20_000 ? 5 : 2);
      const result = await measureSize(plane, {
        shapeName: options.shape,
        size,
        shape,
        seeding,
        runs,
        config,
        bucket,
      });
      if (options.profileDir !== undefined) {
        result.profile = await profileBackup(plane, { size, config, bucket, dir: options.profileDir });
      }
      results.push(result);
      log(
        `size ${size}: floor ${seconds(result.floor.wallMs)}, lifeboat ${seconds(result.lifeboat.wallMs)} ` +
          `(${result.ratio.toFixed(2)}×), RSS ${result.floor.maxRssMB} / ${result.lifeboat.maxRssMB} MB`,
      );
      for (const sel of result.selections) {
        log(
          `size ${size} ${sel.label}: floor ${seconds(sel.floor.wallMs)} (${sel.floor.strategy}), lifeboat ` +
            `${seconds(sel.lifeboat.wallMs)} (${sel.vsWhole.toFixed(2)}× whole, ${sel.vsFloor.toFixed(2)}× floor)`,
        );
      }
    }
  } finally {
    client.close();
  }
  return results;
}

/**
 * Seeds (or grows) a workload and waits for what the controller manager adds: Pods (and with them
 * their ReplicaSets and Events) and the Services' EndpointSlices, so the item counts hold still.
 */
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
  await waitForWorkloadEndpointSlices(client, shape, 1_800_000);
  const controllersMs = performance.now() - waitStarted;
  log(
    `controller manager caught up (${shape.namespaces * shape.deployments} pods, ` +
      `${shape.namespaces * shape.services} EndpointSlices) after ${seconds(controllersMs)}`,
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
    shapeName: string;
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
  const selections = new SelectionRuns(plane, {
    size: o.size,
    shape: o.shape,
    config: o.config,
    bucket: o.bucket,
  });
  await selections.warmUp();
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
    await selections.round(n, o.runs);
  }
  const floor = {
    wallMs: Math.round(median(floorRuns.map((r) => r.wallMs))),
    processMs: Math.round(median(floorRuns.map((r) => r.processMs))),
    cpuMs: Math.round(median(floorRuns.map((r) => r.cpuMs))),
    maxRssMB: round(median(floorRuns.map((r) => r.maxRssMB)), 1),
    items: median(floorRuns.map((r) => r.items)),
    runs: floorRuns,
  };
  const lifeboat = {
    wallMs: Math.round(median(backupRuns.map((r) => r.wallMs))),
    processMs: Math.round(median(backupRuns.map((r) => r.processMs))),
    cpuMs: Math.round(median(backupRuns.map((r) => r.cpuMs))),
    maxRssMB: round(median(backupRuns.map((r) => r.maxRssMB)), 1),
    items: median(backupRuns.map((r) => r.items)),
    archiveBytes: Math.round(median(backupRuns.map((r) => r.archiveBytes))),
    folderBytes: Math.round(median(backupRuns.map((r) => r.folderBytes))),
    runs: backupRuns,
  };
  return {
    shape: o.shapeName,
    targetObjects: o.size,
    namespaces: o.shape.namespaces,
    seeding: o.seeding,
    floor,
    lifeboat,
    ratio: round(lifeboat.wallMs / floor.wallMs, 2),
    ratioByRound: pairedRatios(backupRuns, floorRuns),
    selections: selections.result(lifeboat.wallMs),
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

function formatTable(results: readonly SizeResult[]): string {
  const rows: string[][] = [
    [
      'objects',
      'items floor',
      'items lifeboat',
      'floor s',
      'lifeboat s',
      'CPU floor s',
      'CPU lifeboat s',
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
      (r.floor.cpuMs / 1000).toFixed(2),
      (r.lifeboat.cpuMs / 1000).toFixed(2),
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
