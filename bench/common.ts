/**
 * Shared pieces of the benchmarks: a private control plane with guaranteed teardown, child runs
 * under bench/measured.js, medians and table formatting. Progress goes to stderr; results to stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buildCli, bundle } from '../scripts/build.ts';
import { down, type HarnessEnv, up } from '../test/harness/harness.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

const startedAt = performance.now();

/** A progress line on stderr, stamped with the seconds since the benchmark started. */
export function log(line: string): void {
  const s = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${s}s] ${line}\n`);
}

export interface BenchControlPlane {
  /** Scratch directory of this run (harness state, stores, reports). */
  dir: string;
  stateDir: string;
  kubeconfig: string;
  server: string;
}

const children = new Set<ChildProcess>();

/** Teardowns of the control planes running now, run on SIGINT / SIGTERM. */
const running = new Set<() => Promise<void>>();

function onSignal(signal: NodeJS.Signals): void {
  log(`${signal}: cleaning up`);
  for (const child of children) child.kill('SIGTERM');
  void Promise.allSettled([...running].map((t) => t())).finally(() =>
    process.exit(signal === 'SIGINT' ? 130 : 143),
  );
}

/** Runs teardown on SIGINT / SIGTERM until the returned function is called. */
export function track(teardown: () => Promise<void>): () => void {
  if (running.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  running.add(teardown);
  return () => {
    running.delete(teardown);
    if (running.size === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
}

/** A private harness of a benchmark: its temp directory (also for the bench's own files) and env. */
export interface BenchHarness {
  dir: string;
  stateDir: string;
  env: HarnessEnv;
}

/**
 * Starts a private harness (control planes named `clusters`; real nodes and S3 when asked) in a
 * fresh temp directory, runs fn, and always tears it down with its data — on success, failure and
 * SIGINT / SIGTERM, even in the middle of its start — unless keep is set (then it says how to stop
 * it). `what` names it in the start and stop lines; quiet leaves those lines out.
 */
export async function withHarness<T>(
  options: {
    prefix: string;
    clusters: string[];
    what: string;
    keep?: boolean;
    nodes?: number;
    s3?: boolean;
    quiet?: boolean;
  },
  fn: (harness: BenchHarness) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `${options.prefix}-`));
  const stateDir = join(dir, 'harness');
  const say = options.quiet ? () => {} : log;
  const interrupt = new AbortController();
  let starting: Promise<unknown> = Promise.resolve();
  let tearingDown: Promise<void> | undefined;
  const teardown = (): Promise<void> =>
    (tearingDown ??= (async () => {
      // A start still under way stops what it started itself; then the rest goes.
      interrupt.abort();
      await starting.catch(() => undefined);
      if (options.keep) {
        log(`keeping ${options.what}: stop it with npm run harness -- down --state-dir ${stateDir} --purge`);
        return;
      }
      say(`stopping ${options.what}`);
      await down(stateDir, { removeData: true });
      await rm(dir, { recursive: true, force: true });
    })());
  const untrack = track(teardown);
  try {
    say(`starting ${options.what} in ${stateDir}`);
    const started = up({
      stateDir,
      clusters: options.clusters,
      nodes: options.nodes ?? 0,
      s3: options.s3 ?? false,
      azure: false,
      log: say,
      signal: interrupt.signal,
    });
    starting = started;
    return await fn({ dir, stateDir, env: await started });
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await teardown();
    untrack();
  }
}

/**
 * A private control plane (etcd, kube-apiserver, kube-controller-manager) for fn, torn down as
 * withHarness does. cluster names it (default bench).
 */
export function withControlPlane<T>(
  options: { keep: boolean; prefix: string; cluster?: string; quiet?: boolean },
  fn: (plane: BenchControlPlane) => Promise<T>,
): Promise<T> {
  const name = options.cluster ?? 'bench';
  return withHarness(
    { ...options, clusters: [name], what: 'a private control plane' },
    ({ dir, stateDir, env }) => {
      const cluster = env.clusters[name];
      if (cluster === undefined) throw new Error('the harness started no cluster');
      return fn({ dir, stateDir, kubeconfig: cluster.kubeconfig, server: cluster.server });
    },
  );
}

/** What bench/measured.js reports about one child run, plus what the parent saw. */
export interface MeasuredRun {
  code: number;
  /** Wall time inside the child, from before the module is imported to exit. */
  wallMs: number;
  /** Wall time seen by the parent, spawn to exit (adds Node's own start-up). */
  processMs: number;
  maxRssBytes: number;
  /** CPU time of the child (user + system, every thread). */
  cpuMs: number;
  /** stdout lines the caller kept (keepLine), in order. */
  lines: string[];
  stderrTail: string;
}

/**
 * Runs `node [nodeArgs] bench/measured.js module [args]` in the repository and collects its report.
 * keepLine picks which stdout lines to keep, so a long JSON progress stream is not held in memory.
 */
export async function runMeasured(
  module: string,
  args: readonly string[],
  options: { nodeArgs?: readonly string[]; keepLine?: (line: string) => boolean; reportDir: string },
): Promise<MeasuredRun> {
  const report = join(options.reportDir, `report-${process.pid}-${children.size}-${Date.now()}.json`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), join(REPO_ROOT, 'bench/measured.js'), module, ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, LIFEBOAT_BENCH_REPORT: report, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const lines: string[] = [];
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
  });
  const stdout = createInterface({ input: child.stdout });
  stdout.on('line', (line) => {
    if (options.keepLine?.(line) ?? true) lines.push(line);
  });
  const code = await new Promise<number>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c, signal) => res(c ?? (signal ? 128 : 1)));
  });
  const processMs = performance.now() - started;
  children.delete(child);
  let measured: { code: number; wallMs: number; maxRssBytes: number; cpuMs: number };
  try {
    measured = JSON.parse(await readFile(report, 'utf8')) as typeof measured;
  } catch {
    throw new Error(`${module} exited with code ${code} and no report:\n${stderrTail}`);
  } finally {
    await rm(report, { force: true });
  }
  return { ...measured, code, processMs, lines, stderrTail };
}

/**
 * What the measured runs execute: the CLI as installed (`npm run build`: one bundle, dist/bin) and the
 * floors bundled the same way (dist/bench), so both sides load alike and neither strips TypeScript.
 */
export const LIFEBOAT_CLI = 'dist/bin/lifeboat.js';
export const compiledFloor = (name: 'floor' | 'restore-floor') => `dist/bench/${name}.js`;

/** Builds the CLI and the floors before anything is measured. */
export async function buildForBench(): Promise<void> {
  log('building the CLI and the floors (scripts/build.ts)');
  await buildCli(join(REPO_ROOT, 'dist', 'bin'));
  await bundle(
    { floor: 'bench/floor.ts', 'restore-floor': 'bench/restore-floor.ts' },
    join(REPO_ROOT, 'dist', 'bench'),
  );
}

/**
 * The node options of src/main.ts's shebang line (`#!/usr/bin/env -S node --flag ...`, kept in
 * dist/bin/lifeboat.js): the installed CLI runs with them, so measured runs of it pass them too.
 */
export async function cliNodeArgs(): Promise<string[]> {
  const first = (await readFile(join(REPO_ROOT, 'src/main.ts'), 'utf8')).split('\n', 1)[0] ?? '';
  const m = /^#!\S*env -S node(?<flags>( --?\S+)*)\s*$/.exec(first);
  return (m?.groups?.['flags'] ?? '').split(' ').filter(Boolean);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The smallest and the largest of values (NaN for none): the spread shown beside a median. */
export function spread(values: readonly number[]): { min: number; max: number } {
  if (values.length === 0) return { min: Number.NaN, max: Number.NaN };
  return { min: Math.min(...values), max: Math.max(...values) };
}

/** "min-max" of values, each divided by `scale` and given `digits` decimals (e.g. seconds from ms). */
export function formatSpread(values: readonly number[], scale = 1, digits = 2): string {
  const { min, max } = spread(values);
  return `${(min / scale).toFixed(digits)}-${(max / scale).toFixed(digits)}`;
}

/** Each run's ratio to the run of the other side in the same round (runs interleave, so pairs share the load). */
export function pairedRatios(
  runs: readonly { wallMs: number }[],
  against: readonly { wallMs: number }[],
): number[] {
  return runs.flatMap((r, i) => {
    const other = against[i];
    return other === undefined ? [] : [round(r.wallMs / other.wallMs, 2)];
  });
}

export const MB = 1024 * 1024;

export function machine(): { node: string; cpus: number; cpuModel: string; platform: string } {
  return {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
  };
}

/** A plain text table: first row is the header; numbers right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) =>
        /^[\d.,×x%+-]+[a-zA-Z ]*$/.test(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
      )
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function parsePositiveInt(text: string, what: string): number {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what}: '${text}' is not a positive integer`);
  return n;
}

/** A bad command line: main prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

/** A lifeboat config file with one default filesystem location "bench" rooted at `bucket` (made here). */
export async function writeBenchConfig(config: string, bucket: string): Promise<void> {
  await mkdir(bucket, { recursive: true });
  await writeFile(
    config,
    [
      'apiVersion: lifeboat.io/v1alpha1',
      'kind: Config',
      'locations:',
      '  - name: bench',
      '    provider: filesystem',
      '    default: true',
      '    objectStorage:',
      `      bucket: ${JSON.stringify(bucket)}`,
      '',
    ].join('\n'),
  );
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
