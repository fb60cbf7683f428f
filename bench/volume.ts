/**
 * `npm run bench -- volume`: volume data snapshots and restores, lifeboat (the built CLI, `lifeboat
 * repo snapshot|restore` on a filesystem location) against the kopia CLI (`kopia repository create
 * filesystem` with its defaults, which are Velero's), on the same trees on the same machine, one run
 * each: ~1 GiB in 10k files and ~2 GiB in a few large files (seeded random data), plus a no-change
 * re-snapshot; wall time and peak RSS of every run. The pod-volume case (bench/pod-volume.ts) runs
 * lifeboat's agent on a real node against the kopia CLI on the same pod volume.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { kopiaBinaries } from '../test/helpers/kopia.ts';
import {
  buildForBench,
  cliNodeArgs,
  LIFEBOAT_CLI,
  log,
  machine,
  MB,
  round,
  runMeasured,
  table,
  UsageError,
  writeBenchConfig,
} from './common.ts';
import { kopiaEnv, load1, type Run, settleWriteback, timed } from './kopia-cli.ts';
import { benchPodVolume, formatPodVolume } from './pod-volume.ts';
import { type TreeShape, writeTree } from './volume-trees.ts';

const exec = promisify(execFile);

export const volumeUsage = `npm run bench -- volume [options]
  --cases LIST       trees, pod-volume or both (default trees,pod-volume; pod-volume runs real nodes and
                     needs root: without root it is left out unless asked for by name)
  --size-gib X       size of the many-files tree in GiB (default 1: 10k files; files scale with it);
                     the few-large-files tree is twice as large, in 4 files
  --pod-volume-gib X size of the pod's volume in GiB (default 1): a quarter in many small files,
                     the rest in 3 large ones; lifeboat's agent on a real node against the kopia CLI
  --trees LIST       which trees: many-files,large-files (default both)
  --workers N|auto   lifeboat's --workers for snapshots and restores (default: the CLI's, auto)
  --json FILE        also write the JSON result to FILE
Wall time is the whole process (start-up included) on both sides; CPU is user+system seconds of all
its threads. On a machine other work loads, compare CPU seconds, and wall times of runs side by side.`;

const CASES = ['trees', 'pod-volume'] as const;

/** The cases to run: all by default, pod-volume only as root (it said so when it leaves it out). */
function chosenCases(given: string | undefined): Set<string> {
  const asked = (given ?? CASES.join(','))
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of asked)
    if (!(CASES as readonly string[]).includes(c))
      throw new UsageError(`--cases: unknown case '${c}' (known: ${CASES.join(', ')})`);
  const cases = new Set(asked);
  if (cases.has('pod-volume') && process.getuid?.() !== 0) {
    if (given !== undefined)
      throw new UsageError('--cases pod-volume runs real nodes (kubelet, containerd): run as root');
    log('pod-volume case left out: it runs real nodes (kubelet, containerd) and needs root');
    cases.delete('pod-volume');
  }
  return cases;
}

function sizeGiB(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 64)
    throw new UsageError(`${flag}: '${text}' is not a size in GiB (0 < X ≤ 64)`);
  return n;
}

/** Targets from issue 15. */
const TARGET_RATIO = 1.2;
const TARGET_RSS_MB = 300;
const TARGET_RESNAPSHOT = 0.1;
const GIB = 1024 * MB;
const PASSWORD = 'static-passw0rd';

interface Side {
  snapshot: Run;
  resnapshot: Run;
  restore: Run;
}

interface TreeResult {
  tree: TreeShape;
  lifeboat: Side;
  kopia: Side;
}

export async function benchVolume(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cases: { type: 'string' },
      'size-gib': { type: 'string', default: '1' },
      'pod-volume-gib': { type: 'string', default: '1' },
      json: { type: 'string' },
      trees: { type: 'string', default: 'many-files,large-files' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${volumeUsage}\n`);
    return 0;
  }
  const scale = sizeGiB(values['size-gib'], '--size-gib');
  const podVolumeGiB = sizeGiB(values['pod-volume-gib'], '--pod-volume-gib');
  const cases = chosenCases(values.cases);
  const wanted = new Set(values.trees.split(','));
  const trees: TreeShape[] = [
    { name: 'many-files', files: Math.max(10, Math.round(10_000 * scale)), bytes: Math.round(GIB * scale) },
    { name: 'large-files', files: 4, bytes: Math.round(2 * GIB * scale) },
  ].filter((t) => wanted.has(t.name));
  if (trees.length === 0)
    throw new UsageError(`--trees: '${values.trees}' names neither many-files nor large-files`);
  const workers = values.workers === undefined ? [] : ['--workers', values.workers];

  await buildForBench();
  const results: TreeResult[] = [];
  if (cases.has('trees')) {
    const { kopia } = await kopiaBinaries();
    const work = await mkdtemp(join(tmpdir(), 'lifeboat-bench-volume-'));
    try {
      for (const tree of trees) results.push(await benchTree(tree, join(work, tree.name), kopia, workers));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  const podVolume = cases.has('pod-volume') ? await benchPodVolume(podVolumeGiB) : undefined;

  const output = { benchmark: 'volume', machine: machine(), scaleGiB: scale, results, podVolume };
  if (results.length > 0) process.stdout.write(`\n${formatTable(results)}\n`);
  if (podVolume !== undefined) process.stdout.write(`\n${formatPodVolume(podVolume)}\n`);
  if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(output, null, 2)}\n`);
  return podVolume === undefined || podVolume.identical ? 0 : 1;
}

async function benchTree(
  tree: TreeShape,
  work: string,
  kopia: string,
  workers: readonly string[],
): Promise<TreeResult> {
  const source = join(work, 'source');
  log(`${tree.name}: writing ${tree.files} files, ${round(tree.bytes / MB, 1)} MiB`);
  await writeTree(source, tree, 'lifeboat-bench-volume');
  const sides = {
    lifeboat: await lifeboatSide(source, work, workers),
    kopia: await kopiaSide(source, work, kopia),
  };
  const runs = { lifeboat: new Map<keyof Side, Run>(), kopia: new Map<keyof Side, Run>() };
  // Step by step, each side right after the other and after a sync: both see the same load, and
  // neither pays for the writeback of what ran before it.
  for (const step of ['snapshot', 'resnapshot', 'restore'] as const) {
    for (const name of ['lifeboat', 'kopia'] as const) {
      await settleWriteback();
      const run = await sides[name][step]();
      runs[name].set(step, run);
      log(`${tree.name}: ${name} ${step} ${ms(run)}`);
    }
  }
  await rm(work, { recursive: true, force: true });
  return { tree, lifeboat: sideOf(runs.lifeboat), kopia: sideOf(runs.kopia) };
}

function sideOf(runs: Map<keyof Side, Run>): Side {
  const snapshot = runs.get('snapshot');
  const resnapshot = runs.get('resnapshot');
  const restore = runs.get('restore');
  if (snapshot === undefined || resnapshot === undefined || restore === undefined) {
    throw new Error('a side is missing a step');
  }
  return { snapshot, resnapshot, restore };
}

const ms = (r: Run) =>
  `${(r.wallMs / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s, load ${r.load.toFixed(1)})`;

/** One side's three steps, run in this order: snapshot, no-change re-snapshot, restore of the first. */
type Steps = Record<keyof Side, () => Promise<Run>>;

async function lifeboatSide(source: string, work: string, workers: readonly string[]): Promise<Steps> {
  const config = join(work, 'lifeboat.yaml');
  await writeBenchConfig(config, join(work, 'lifeboat-location'));
  const nodeArgs = await cliNodeArgs();
  const run = async (args: string[]) => {
    const r = await runMeasured(LIFEBOAT_CLI, ['--config', config, '--log-level', 'error', ...args], {
      nodeArgs,
      reportDir: work,
    });
    if (r.code !== 0) throw new Error(`lifeboat ${args.join(' ')} exited ${r.code}:\n${r.stderrTail}`);
    const measured: Run = {
      wallMs: r.processMs,
      cpuMs: r.cpuMs,
      maxRssMB: round(r.maxRssBytes / MB, 1),
      load: load1(),
    };
    return { run: measured, lines: r.lines };
  };
  const snapshot = ['repo', 'snapshot', source, '--namespace', 'bench', '--source', 'bench/data', ...workers];
  let id = '';
  const target = join(work, 'lifeboat-restore');
  return {
    snapshot: async () => {
      const first = await run(snapshot);
      id =
        first.lines
          .filter((l) => l.trim() !== '')
          .at(-1)
          ?.trim() ?? '';
      return first.run;
    },
    resnapshot: async () => (await run(snapshot)).run,
    restore: async () => {
      const restored = await run(['repo', 'restore', id, target, '--namespace', 'bench', ...workers]);
      await rm(target, { recursive: true, force: true });
      return restored.run;
    },
  };
}

async function kopiaSide(source: string, work: string, kopia: string): Promise<Steps> {
  const base = ['--config-file', join(work, 'kopia.config'), '--password', PASSWORD];
  await mkdir(join(work, 'kopia-repo'), { recursive: true });
  await exec(
    kopia,
    [
      'repository',
      'create',
      'filesystem',
      '--path',
      join(work, 'kopia-repo'),
      '--no-persist-credentials',
      '--cache-directory',
      join(work, 'kopia-cache'),
      ...base,
    ],
    { env: kopiaEnv(work) },
  );
  const run = (args: string[]) => timed(kopia, [...args, ...base], work);
  let id = '';
  const target = join(work, 'kopia-restore');
  return {
    snapshot: async () => {
      const first = await run(['snapshot', 'create', source, '--json']);
      id = (JSON.parse(first.stdout) as { id?: string }).id ?? '';
      return first.run;
    },
    resnapshot: async () => (await run(['snapshot', 'create', source, '--json'])).run,
    restore: async () => {
      const restored = await run(['snapshot', 'restore', id, target]);
      await rm(target, { recursive: true, force: true });
      return restored.run;
    },
  };
}

function formatTable(results: readonly TreeResult[]): string {
  const rows: string[][] = [
    [
      'tree',
      'step',
      'lifeboat',
      'kopia',
      'ratio',
      'target',
      'CPU lifeboat',
      'CPU kopia',
      'load',
      'RSS lifeboat',
      'RSS kopia',
    ],
  ];
  for (const r of results) {
    const label = `${r.tree.name} (${r.tree.files} files, ${round(r.tree.bytes / MB, 0)} MiB)`;
    for (const step of ['snapshot', 'restore', 'resnapshot'] as const) {
      const lb = r.lifeboat[step];
      const kp = r.kopia[step];
      const target =
        step === 'resnapshot'
          ? `≤ ${TARGET_RESNAPSHOT * 100}% of first: ${round((100 * lb.wallMs) / r.lifeboat.snapshot.wallMs, 1)}%`
          : `≤ ${TARGET_RATIO}x`;
      rows.push([
        step === 'snapshot' ? label : '',
        step === 'resnapshot' ? 're-snapshot' : step,
        `${(lb.wallMs / 1000).toFixed(2)} s`,
        `${(kp.wallMs / 1000).toFixed(2)} s`,
        `${round(lb.wallMs / kp.wallMs, 2)}x`,
        target,
        `${(lb.cpuMs / 1000).toFixed(2)} s`,
        `${(kp.cpuMs / 1000).toFixed(2)} s`,
        `${lb.load}/${kp.load}`,
        `${lb.maxRssMB} MB`,
        `${kp.maxRssMB} MB`,
      ]);
    }
  }
  return `${table(rows)}\nPeak RSS target: ≤ ${TARGET_RSS_MB} MB and flat in data size.`;
}
