/**
 * `npm run bench -- restore`: lifeboat's whole-backup restore into an empty standby against the raw
 * floor (bare concurrent creates of the same objects, bench/restore-floor.ts), at growing sizes of
 * the reference workload.
 *
 * A private source control plane is seeded and backed up once per size (to a filesystem location),
 * then stopped. Every measured run — floor or lifeboat — gets a fresh, empty standby control plane,
 * so each starts from the same state. Runs alternate floor, lifeboat, floor, lifeboat... The smallest
 * size is run at every --parallelism; the fastest (the smallest within 5% of it) is used for the
 * larger sizes and is the proposed default.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { objectsPerNamespace, shapeFor, type WorkloadShape } from '../test/helpers/workload.ts';
import { seed } from './backup.ts';
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
  track,
  UsageError,
  withControlPlane,
  type MeasuredRun,
  round,
  seconds,
  writeBenchConfig,
} from './common.ts';
import { formatProfile, summarizeProfileFile, type ProfileSummary } from './cpuprofile.ts';

export const restoreUsage = `npm run bench -- restore [options]
  --sizes N,N           workload sizes in objects, ascending (default 10000,100000)
  --parallelism N,N     restore parallelism to try at the smallest size (default 16,32,64); the
                        fastest is used for the larger sizes
  --runs N              measured runs of each side per size and parallelism (default 2 up to 20k
                        objects, else 1)
  --concurrency N       creates in flight while seeding the source (default 48)
  --json FILE           also write the JSON result to FILE
  --profile DIR         after measuring, one extra restore per size under --cpu-prof; profiles in DIR`;

/** Targets from issue 4. */
const TARGET_RATIO = 2;
const TARGET_RSS_MB = 250;
/** Target from issue 14: the RTO of the reference 10k estate (lifeboat's restore) within this factor of the floor. */
const TARGET_RTO_RATIO = 1.2;
const RTO_ESTATE_OBJECTS = 10_000;
/** The node options the installed CLI runs with (its shebang line), used for every lifeboat run. */
const LIFEBOAT_NODE_ARGS = await cliNodeArgs();

/** A larger parallelism is chosen only when it is this much faster. */
const CHOICE_MARGIN = 0.05;

type Seeding = Awaited<ReturnType<typeof seed>>;

interface SourceBackup {
  size: number;
  shape: WorkloadShape;
  name: string;
  archive: string;
  archiveBytes: number;
  itemsBackedUp: number;
  backupWallMs: number;
  seeding: Seeding;
}

interface FloorRun {
  wallMs: number;
  processMs: number;
  maxRssMB: number;
  cpuMs: number;
  /** Items at classic paths in the archive. */
  items: number;
  created: number;
  exists: number;
  failed: number;
  skipped: number;
  readMs: number;
  createMs: number;
  /** Per resource: created, existed (409), failed, skipped. */
  byResource: Record<string, { created: number; exists: number; failed: number; skipped: number }>;
  errors: string[];
}

interface RestoreRun {
  name: string;
  wallMs: number;
  processMs: number;
  maxRssMB: number;
  cpuMs: number;
  phase: string;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  errors: number;
  warnings: number;
  /** With -o json (profiling runs): ms from spawn to the first progress event of each phase. */
  phaseStartsMs?: Record<string, number>;
}

/** The parts of `restore create -o json`'s result line the benchmark reads. */
interface RestoreResultLine {
  phase: string;
  counts: { created: number; updated: number; skipped: number; failed: number };
  errors: number;
  warnings: number;
}

interface Side<T> {
  wallMs: number;
  processMs: number;
  maxRssMB: number;
  cpuMs: number;
  created: number;
  runs: T[];
}

interface ParallelismResult {
  parallelism: number;
  floor: Side<FloorRun>;
  lifeboat: Side<RestoreRun> & { phase: string };
  ratio: number;
}

interface SizeResult {
  targetObjects: number;
  namespaces: number;
  backup: Omit<SourceBackup, 'shape' | 'archive' | 'size'>;
  results: ParallelismResult[];
  profile?: ProfileSummary & { file: string; phaseStartsMs: Record<string, number> };
}

export async function benchRestore(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      parallelism: { type: 'string', default: '16,32,64' },
      runs: { type: 'string' },
      concurrency: { type: 'string', default: '48' },
      json: { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${restoreUsage}\n`);
    return 0;
  }
  const ints = (text: string, what: string) =>
    [...new Set(text.split(',').map((s) => parsePositiveInt(s.trim(), what)))].sort((a, b) => a - b);
  const sizes = ints(values.sizes, '--sizes');
  const parallelisms = ints(values.parallelism, '--parallelism');
  if (parallelisms.some((p) => p > 512)) throw new UsageError('--parallelism: at most 512');
  const runsOverride = values.runs === undefined ? undefined : parsePositiveInt(values.runs, '--runs');
  const concurrency = parsePositiveInt(values.concurrency, '--concurrency');

  await buildForBench();
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-bench-restore-'));
  const untrack = track(() => rm(work, { recursive: true, force: true }));
  let results: SizeResult[];
  let chosen: number;
  try {
    const config = join(work, 'config.yaml');
    const bucket = join(work, 'store');
    await writeBenchConfig(config, bucket);
    const backups = await withControlPlane(
      { keep: false, prefix: 'lifeboat-bench-source', cluster: 'source' },
      (source) => seedAndBackUp(source.kubeconfig, { sizes, concurrency, config, bucket, work }),
    );
    log('source stopped; every measured run gets a fresh, empty standby control plane');
    results = [];
    chosen = parallelisms[0]!;
    for (const [index, backup] of backups.entries()) {
      const ps = index === 0 ? parallelisms : [chosen];
      const runs = runsOverride ?? (backup.size <= 20_000 ? 2 : 1);
      const result = await measureSize(backup, { parallelisms: ps, runs, config, bucket, work });
      if (index === 0) {
        chosen = choose(result.results);
        log(`parallelism ${chosen} chosen (fastest lifeboat restore at ${backup.size}, smallest within 5%)`);
      }
      if (values.profile !== undefined) {
        result.profile = await profileRestore(backup, {
          parallelism: chosen,
          config,
          bucket,
          work,
          dir: values.profile,
        });
      }
      results.push(result);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    untrack();
  }

  const output = {
    benchmark: 'restore',
    machine: machine(),
    date: new Date().toISOString(),
    targets: { ratio: TARGET_RATIO, maxRssMBAt100k: TARGET_RSS_MB, rtoRatioAt10k: TARGET_RTO_RATIO },
    lifeboatNodeArgs: LIFEBOAT_NODE_ARGS,
    chosenParallelism: chosen,
    rto: rto(results, chosen),
    sizes: results,
    scaling: scaling(results, chosen),
  };
  process.stdout.write(`\n${formatTable(results, chosen)}\n\n`);
  const json = JSON.stringify(output, null, 2);
  process.stdout.write(`${json}\n`);
  if (values.json !== undefined) await writeFile(values.json, `${json}\n`);
  return 0;
}

async function seedAndBackUp(
  kubeconfig: string,
  o: { sizes: number[]; concurrency: number; config: string; bucket: string; work: string },
): Promise<SourceBackup[]> {
  const client = new KubeClient(loadKubeConfig({ kubeconfig }), { maxSockets: o.concurrency });
  const out: SourceBackup[] = [];
  let previous: WorkloadShape | undefined;
  try {
    for (const size of o.sizes) {
      const shape = shapeFor(size);
      log(
        `size ${size}: ${shape.namespaces} namespaces of ${objectsPerNamespace(shape)} objects` +
          (previous ? ` (growing from ${previous.namespaces})` : ''),
      );
      const seeding = await seed(client, shape, previous?.namespaces ?? 0, o.concurrency);
      previous = shape;
      const name = `source-${size}`;
      const args = ['backup', 'create', name, '--kubeconfig', kubeconfig, '--config', o.config];
      const run = await runMeasured(LIFEBOAT_CLI, [...args, '--log-level', 'warn', '-o', 'json'], {
        reportDir: o.work,
        keepLine: (l) => l.includes('"type":"result"'),
      });
      check(run, `backup ${name}`);
      const result = JSON.parse(run.lines.at(-1) ?? '{}') as {
        backup?: { itemsBackedUp?: number; phase?: string };
      };
      const archive = join(o.bucket, 'backups', name, `${name}.tar.gz`);
      const backup: SourceBackup = {
        size,
        shape,
        name,
        archive,
        archiveBytes: (await stat(archive)).size,
        itemsBackedUp: result.backup?.itemsBackedUp ?? Number.NaN,
        backupWallMs: Math.round(run.wallMs),
        seeding,
      };
      log(
        `backup ${name}: ${backup.itemsBackedUp} items (${result.backup?.phase ?? '?'}) in ` +
          `${seconds(run.wallMs)}, archive ${(backup.archiveBytes / MB).toFixed(1)} MB`,
      );
      out.push(backup);
    }
  } finally {
    client.close();
  }
  return out;
}

/** Runs fn against a fresh, empty standby control plane, stopped and removed afterwards. */
function onFreshStandby<T>(fn: (kubeconfig: string) => Promise<T>): Promise<T> {
  return withControlPlane(
    { keep: false, prefix: 'lifeboat-bench-standby', cluster: 'standby', quiet: true },
    (p) => fn(p.kubeconfig),
  );
}

async function measureSize(
  backup: SourceBackup,
  o: { parallelisms: number[]; runs: number; config: string; bucket: string; work: string },
): Promise<SizeResult> {
  const floors = new Map<number, FloorRun[]>(o.parallelisms.map((p) => [p, []]));
  const restores = new Map<number, RestoreRun[]>(o.parallelisms.map((p) => [p, []]));
  for (let n = 1; n <= o.runs; n++) {
    for (const p of o.parallelisms) {
      const tag = `size ${backup.size} p=${p} run ${n}/${o.runs}`;
      const f = await onFreshStandby((kubeconfig) => runFloor(kubeconfig, backup, p, o.work));
      floors.get(p)!.push(f);
      log(
        `${tag} floor: ${f.created} created, ${f.exists} existed, ${f.failed} failed, ${f.skipped} skipped ` +
          `of ${f.items}; ${seconds(f.wallMs)} (read ${seconds(f.readMs)}, create ${seconds(f.createMs)}), ` +
          `CPU ${seconds(f.cpuMs)}, ${f.maxRssMB} MB`,
      );
      if (f.errors.length > 0) log(`${tag} floor errors: ${f.errors.slice(0, 3).join(' | ')}`);
      const name = `bench-${backup.size}-p${p}-${n}`;
      const r = await onFreshStandby((kubeconfig) =>
        runRestore(kubeconfig, { name, backup, parallelism: p, ...o }),
      );
      restores.get(p)!.push(r);
      log(
        `${tag} lifeboat: ${r.phase}, ${r.created} created, ${r.skipped} skipped, ${r.failed} failed ` +
          `(${r.errors} errors, ${r.warnings} warnings); ${seconds(r.wallMs)}, CPU ${seconds(r.cpuMs)}, ${r.maxRssMB} MB`,
      );
    }
  }
  const side = <
    T extends { wallMs: number; processMs: number; maxRssMB: number; cpuMs: number; created: number },
  >(
    runs: T[],
  ): Side<T> => ({
    wallMs: Math.round(median(runs.map((r) => r.wallMs))),
    processMs: Math.round(median(runs.map((r) => r.processMs))),
    maxRssMB: round(median(runs.map((r) => r.maxRssMB)), 1),
    cpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
    created: median(runs.map((r) => r.created)),
    runs,
  });
  const results = o.parallelisms.map((parallelism): ParallelismResult => {
    const floor = side(floors.get(parallelism)!);
    const restoreRuns = restores.get(parallelism)!;
    const lifeboat = { ...side(restoreRuns), phase: [...new Set(restoreRuns.map((r) => r.phase))].join('/') };
    return { parallelism, floor, lifeboat, ratio: round(lifeboat.wallMs / floor.wallMs, 2) };
  });
  const { size: _size, shape, archive: _archive, ...rest } = backup;
  return { targetObjects: backup.size, namespaces: shape.namespaces, backup: rest, results };
}

async function runFloor(kubeconfig: string, backup: SourceBackup, parallelism: number, work: string) {
  const run = await runMeasured(
    compiledFloor('restore-floor'),
    [kubeconfig, backup.archive, String(parallelism)],
    {
      reportDir: work,
      keepLine: (l) => l.startsWith('{'),
    },
  );
  check(run, 'floor');
  const out = JSON.parse(run.lines.at(-1) ?? '{}') as Partial<FloorRun>;
  return {
    wallMs: Math.round(run.wallMs),
    processMs: Math.round(run.processMs),
    maxRssMB: round(run.maxRssBytes / MB, 1),
    cpuMs: Math.round(run.cpuMs),
    items: out.items ?? Number.NaN,
    created: out.created ?? Number.NaN,
    exists: out.exists ?? Number.NaN,
    failed: out.failed ?? Number.NaN,
    skipped: out.skipped ?? Number.NaN,
    readMs: out.readMs ?? Number.NaN,
    createMs: out.createMs ?? Number.NaN,
    byResource: out.byResource ?? {},
    errors: out.errors ?? [],
  } satisfies FloorRun;
}

/** The text summary `lifeboat restore create` prints (text output: no per-item progress lines). */
const SUMMARY = /^Restore "[^"]+" (\w+): (\d+) created, (\d+) updated, (\d+) skipped, (\d+) failed/;
const ISSUES = /^\s+errors: (\d+), warnings: (\d+)/;

async function runRestore(
  kubeconfig: string,
  o: {
    name: string;
    backup: SourceBackup;
    parallelism: number;
    config: string;
    bucket: string;
    work: string;
    nodeArgs?: string[];
    /** Use -o json and note when each phase (downloading, planning, restoring, done) starts. */
    phases?: boolean;
  },
): Promise<RestoreRun> {
  const args = [
    'restore',
    'create',
    o.name,
    '--from-backup',
    o.backup.name,
    '--kubeconfig',
    kubeconfig,
    '--config',
    o.config,
    '--log-level',
    'warn',
    '--parallelism',
    String(o.parallelism),
  ];
  const spawned = performance.now();
  const phases: Record<string, number> = {};
  const keepPhase = (l: string) => {
    const phase = /^\{"type":"progress","time":"[^"]*","phase":"(\w+)"/.exec(l)?.[1];
    if (phase !== undefined) phases[phase] ??= Math.round(performance.now() - spawned);
    return l.startsWith('{"type":"result"');
  };
  const run = await runMeasured(LIFEBOAT_CLI, o.phases ? [...args, '-o', 'json'] : args, {
    reportDir: o.work,
    nodeArgs: [...LIFEBOAT_NODE_ARGS, ...(o.nodeArgs ?? [])],
    keepLine: o.phases ? keepPhase : (l) => SUMMARY.test(l) || ISSUES.test(l),
  });
  if (run.code !== 0 && run.code !== 3) check(run, `restore ${o.name}`);
  await rm(join(o.bucket, 'restores', o.name), { recursive: true, force: true });
  const measured = {
    name: o.name,
    wallMs: Math.round(run.wallMs),
    processMs: Math.round(run.processMs),
    maxRssMB: round(run.maxRssBytes / MB, 1),
    cpuMs: Math.round(run.cpuMs),
  };
  if (o.phases) {
    const r = (JSON.parse(run.lines.at(-1) ?? '{}') as { restore?: Partial<RestoreResultLine> }).restore;
    if (r?.counts === undefined) throw new Error(`restore ${o.name} printed no result:\n${run.stderrTail}`);
    return {
      ...measured,
      phase: r.phase ?? 'unknown',
      ...r.counts,
      errors: r.errors ?? 0,
      warnings: r.warnings ?? 0,
      phaseStartsMs: phases,
    };
  }
  const summary = run.lines.map((l) => SUMMARY.exec(l)).find((m) => m !== null);
  if (!summary) throw new Error(`restore ${o.name} printed no summary:\n${run.stderrTail}`);
  const issues = run.lines.map((l) => ISSUES.exec(l)).find((m) => m !== null);
  return {
    ...measured,
    phase: summary[1]!,
    created: Number(summary[2]),
    updated: Number(summary[3]),
    skipped: Number(summary[4]),
    failed: Number(summary[5]),
    errors: Number(issues?.[1] ?? 0),
    warnings: Number(issues?.[2] ?? 0),
  };
}

async function profileRestore(
  backup: SourceBackup,
  o: { parallelism: number; config: string; bucket: string; work: string; dir: string },
): Promise<NonNullable<SizeResult['profile']>> {
  const file = join(o.dir, `restore-${backup.size}.cpuprofile`);
  log(`profiling one more restore of ${backup.size} (p=${o.parallelism}) with --cpu-prof`);
  const run = await onFreshStandby((kubeconfig) =>
    runRestore(kubeconfig, {
      ...o,
      name: `bench-${backup.size}-profile`,
      backup,
      phases: true,
      nodeArgs: [
        '--cpu-prof',
        `--cpu-prof-dir=${o.dir}`,
        `--cpu-prof-name=restore-${backup.size}.cpuprofile`,
      ],
    }),
  );
  const summary = await summarizeProfileFile(file);
  log(
    `profiled restore: ${seconds(run.wallMs)} under the profiler (CPU ${seconds(run.cpuMs)}), ${run.created} created; ` +
      `phases start at ` +
      `${JSON.stringify(run.phaseStartsMs)} ms after spawn\n${formatProfile(summary)}`,
  );
  return { ...summary, file, phaseStartsMs: run.phaseStartsMs ?? {} };
}

/** The fastest parallelism by median lifeboat wall time; a smaller one wins when within the margin. */
function choose(results: readonly ParallelismResult[]): number {
  const best = Math.min(...results.map((r) => r.lifeboat.wallMs));
  return results.find((r) => r.lifeboat.wallMs <= best * (1 + CHOICE_MARGIN))!.parallelism;
}

function scaling(results: readonly SizeResult[], chosen: number) {
  const at = (r: SizeResult) => r.results.find((x) => x.parallelism === chosen);
  const first = results[0];
  const last = results.at(-1);
  const a = first && at(first);
  const b = last && at(last);
  if (!first || !last || first === last || !a || !b) return undefined;
  return {
    from: first.targetObjects,
    to: last.targetObjects,
    parallelism: chosen,
    itemsFactor: round(b.lifeboat.created / a.lifeboat.created, 2),
    floorTimeFactor: round(b.floor.wallMs / a.floor.wallMs, 2),
    lifeboatTimeFactor: round(b.lifeboat.wallMs / a.lifeboat.wallMs, 2),
    floorMsPer1kCreated: [perK(a.floor), perK(b.floor)],
    lifeboatMsPer1kCreated: [perK(a.lifeboat), perK(b.lifeboat)],
  };
}

/** The RTO of the reference 10k estate at the chosen parallelism, beside the floor's; undefined when 10k was not run. */
function rto(
  results: readonly SizeResult[],
  chosen: number,
):
  | {
      targetObjects: number;
      parallelism: number;
      lifeboatSeconds: number;
      floorSeconds: number;
      ratio: number;
      ok: boolean;
    }
  | undefined {
  const run = results
    .find((r) => r.targetObjects === RTO_ESTATE_OBJECTS)
    ?.results.find((r) => r.parallelism === chosen);
  if (run === undefined) return undefined;
  return {
    targetObjects: RTO_ESTATE_OBJECTS,
    parallelism: chosen,
    lifeboatSeconds: round(run.lifeboat.wallMs / 1000, 2),
    floorSeconds: round(run.floor.wallMs / 1000, 2),
    ratio: run.ratio,
    ok: run.ratio <= TARGET_RTO_RATIO,
  };
}

function perK(side: { wallMs: number; created: number }): number {
  return Math.round((side.wallMs * 1000) / side.created);
}

function check(run: MeasuredRun, what: string): void {
  if (run.code !== 0) throw new Error(`${what} exited with code ${run.code}:\n${run.stderrTail}`);
}

function formatTable(results: readonly SizeResult[], chosen: number): string {
  const rows: string[][] = [
    [
      'objects',
      'parallelism',
      'backup items',
      'floor created',
      'lifeboat created',
      'floor s',
      'lifeboat s',
      'ratio',
      'target',
      'RSS floor MB',
      'RSS lifeboat MB',
      'CPU floor s',
      'CPU lifeboat s',
      'phase',
    ],
  ];
  for (const s of results) {
    for (const r of s.results) {
      rows.push([
        String(s.targetObjects),
        `${r.parallelism}${r.parallelism === chosen ? ' *' : ''}`,
        String(s.backup.itemsBackedUp),
        String(r.floor.created),
        String(r.lifeboat.created),
        (r.floor.wallMs / 1000).toFixed(2),
        (r.lifeboat.wallMs / 1000).toFixed(2),
        `${r.ratio.toFixed(2)}x`,
        r.ratio <= TARGET_RATIO ? `ok <=${TARGET_RATIO}x` : `MISS >${TARGET_RATIO}x`,
        r.floor.maxRssMB.toFixed(1),
        r.lifeboat.maxRssMB.toFixed(1),
        (r.floor.cpuMs / 1000).toFixed(2),
        (r.lifeboat.cpuMs / 1000).toFixed(2),
        r.lifeboat.phase,
      ]);
    }
  }
  const m = machine();
  const runs = results.map((r) => `${r.targetObjects}: ${r.results[0]?.floor.runs.length ?? 0}`).join(', ');
  const last = results.at(-1);
  const lastRun = last?.results.find((r) => r.parallelism === chosen);
  const sc = scaling(results, chosen);
  const r = rto(results, chosen);
  const notes = [
    `restore benchmark — node ${m.node}, ${m.cpus} cores (${m.cpuModel}); medians of interleaved runs (${runs}), each into a fresh empty standby`,
    `times: wall inside the process (module load to exit; floor includes reading the archive), both compiled (${LIFEBOAT_CLI}, ${compiledFloor('restore-floor')}); ratio = lifeboat / floor`,
    `lifeboat runs with the node options of src/main.ts's shebang: ${LIFEBOAT_NODE_ARGS.join(' ') || '(none)'}`,
    `* = chosen parallelism (fastest at the smallest size; the larger sizes run at it)`,
    last && lastRun
      ? `peak RSS target: <= ${TARGET_RSS_MB} MB at 100k objects — lifeboat ${lastRun.lifeboat.maxRssMB} MB at ${last.targetObjects} ` +
        `(${lastRun.lifeboat.maxRssMB <= TARGET_RSS_MB ? 'ok' : 'MISS'})`
      : '',
    r
      ? `RTO of the reference ${r.targetObjects} estate at parallelism ${r.parallelism}: lifeboat ${r.lifeboatSeconds.toFixed(2)} s, ` +
        `floor ${r.floorSeconds.toFixed(2)} s = ${r.ratio.toFixed(2)}x the floor (target <= ${TARGET_RTO_RATIO}x: ${r.ok ? 'ok' : 'MISS'})`
      : `RTO target (<= ${TARGET_RTO_RATIO}x the floor) is for the reference ${RTO_ESTATE_OBJECTS} estate: include ${RTO_ESTATE_OBJECTS} in --sizes`,
    sc
      ? `scaling ${sc.from} -> ${sc.to} at parallelism ${sc.parallelism}: created x${sc.itemsFactor}, ` +
        `floor time x${sc.floorTimeFactor}, lifeboat time x${sc.lifeboatTimeFactor} ` +
        `(lifeboat ${sc.lifeboatMsPer1kCreated.join(' -> ')} ms per 1000 created; floor ${sc.floorMsPer1kCreated.join(' -> ')})`
      : '',
  ];
  return `${notes.filter(Boolean).join('\n')}\n\n${table(rows)}`;
}
