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
import { kopiaEnv, type Run, timed } from './kopia-cli.ts';
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
  --json FILE        also write the JSON result to FILE`;

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
  const trees: TreeShape[] = [
    { name: 'many-files', files: Math.max(10, Math.round(10_000 * scale)), bytes: Math.round(GIB * scale) },
    { name: 'large-files', files: 4, bytes: Math.round(2 * GIB * scale) },
  ];

  await buildForBench();
  const results: TreeResult[] = [];
  if (cases.has('trees')) {
    const { kopia } = await kopiaBinaries();
    const work = await mkdtemp(join(tmpdir(), 'lifeboat-bench-volume-'));
    try {
      for (const tree of trees) results.push(await benchTree(tree, join(work, tree.name), kopia));
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

async function benchTree(tree: TreeShape, work: string, kopia: string): Promise<TreeResult> {
  const source = join(work, 'source');
  log(`${tree.name}: writing ${tree.files} files, ${round(tree.bytes / MB, 1)} MiB`);
  await writeTree(source, tree, 'lifeboat-bench-volume');
  const lifeboat = await lifeboatSide(source, work);
  log(`${tree.name}: lifeboat snapshot ${ms(lifeboat.snapshot)}, restore ${ms(lifeboat.restore)}`);
  const kopiaSide = await kopiaRuns(source, work, kopia);
  log(`${tree.name}: kopia snapshot ${ms(kopiaSide.snapshot)}, restore ${ms(kopiaSide.restore)}`);
  await rm(work, { recursive: true, force: true });
  return { tree, lifeboat, kopia: kopiaSide };
}

const ms = (r: Run) => `${(r.wallMs / 1000).toFixed(2)} s`;

async function lifeboatSide(source: string, work: string): Promise<Side> {
  const config = join(work, 'lifeboat.yaml');
  await writeBenchConfig(config, join(work, 'lifeboat-location'));
  const nodeArgs = await cliNodeArgs();
  const run = async (args: string[]) => {
    const r = await runMeasured(LIFEBOAT_CLI, ['--config', config, '--log-level', 'error', ...args], {
      nodeArgs,
      reportDir: work,
    });
    if (r.code !== 0) throw new Error(`lifeboat ${args.join(' ')} exited ${r.code}:\n${r.stderrTail}`);
    return { run: { wallMs: r.wallMs, maxRssMB: round(r.maxRssBytes / MB, 1) }, lines: r.lines };
  };
  const snapshot = ['repo', 'snapshot', source, '--namespace', 'bench', '--source', 'bench/data'];
  const first = await run(snapshot);
  const id =
    first.lines
      .filter((l) => l.trim() !== '')
      .at(-1)
      ?.trim() ?? '';
  const second = await run(snapshot);
  const restore = await run(['repo', 'restore', id, join(work, 'lifeboat-restore'), '--namespace', 'bench']);
  await rm(join(work, 'lifeboat-restore'), { recursive: true, force: true });
  return { snapshot: first.run, resnapshot: second.run, restore: restore.run };
}

async function kopiaRuns(source: string, work: string, kopia: string): Promise<Side> {
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
  const first = await run(['snapshot', 'create', source, '--json']);
  const id = (JSON.parse(first.stdout) as { id?: string }).id ?? '';
  const second = await run(['snapshot', 'create', source, '--json']);
  const restore = await run(['snapshot', 'restore', id, join(work, 'kopia-restore')]);
  await rm(join(work, 'kopia-restore'), { recursive: true, force: true });
  return { snapshot: first.run, resnapshot: second.run, restore: restore.run };
}

function formatTable(results: readonly TreeResult[]): string {
  const rows: string[][] = [
    ['tree', 'step', 'lifeboat', 'kopia', 'ratio', 'target', 'RSS lifeboat', 'RSS kopia'],
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
        `${lb.maxRssMB} MB`,
        `${kp.maxRssMB} MB`,
      ]);
    }
  }
  return `${table(rows)}\nPeak RSS target: ≤ ${TARGET_RSS_MB} MB and flat in data size.`;
}
