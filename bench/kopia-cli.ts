/**
 * The kopia CLI as the volume benchmarks run it: its own environment (no update check, nothing under
 * the real home directory) and /usr/bin/time around each run for wall time, CPU time and peak RSS.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MB, round } from './common.ts';

const exec = promisify(execFile);

export interface Run {
  wallMs: number;
  /** User + system CPU time of all its threads. */
  cpuMs: number;
  maxRssMB: number;
  /** The 1-minute load average when the run ended. */
  load: number;
}

/** The 1-minute load average, rounded. */
export const load1 = () => round(loadavg()[0] ?? 0, 1);

/** kopia's environment: no update check, nothing under the real home directory. */
export const kopiaEnv = (work: string) => ({
  PATH: process.env['PATH'] ?? '',
  HOME: work,
  KOPIA_CHECK_FOR_UPDATES: 'false',
});

/** Runs kopia (or any program) with kopia's environment and no measurement; resolves with its stdout. */
export async function kopiaRun(program: string, args: string[], work: string): Promise<string> {
  const { stdout } = await exec(program, args, { maxBuffer: 64 * MB, env: kopiaEnv(work) });
  return stdout;
}

/**
 * Writes every dirty page to disk (`sync`) before a measured run, unmeasured: the run before it (or
 * the tree just written) must not charge its writeback to whichever side runs next. Without it the
 * first snapshot after a 1 GiB tree was written shared the disk with that tree's writeback, and an
 * fsync in it waited for the whole tree (ext4 commits the journal with the data it orders).
 */
export async function settleWriteback(): Promise<void> {
  await exec('sync', []);
}

/** Runs a program under /usr/bin/time for its wall time, CPU time and peak RSS. */
export async function timed(
  program: string,
  args: string[],
  work: string,
): Promise<{ run: Run; stdout: string }> {
  const report = join(work, 'time.txt');
  const started = performance.now();
  const { stdout } = await exec('/usr/bin/time', ['-f', '%M %U %S', '-o', report, program, ...args], {
    maxBuffer: 64 * MB,
    env: kopiaEnv(work),
  });
  const wallMs = performance.now() - started;
  const [rssKiB, user, system] = ((await readFile(report, 'utf8')).trim().split('\n').at(-1) ?? '')
    .split(' ')
    .map(Number);
  const cpuMs = ((user ?? 0) + (system ?? 0)) * 1000;
  return {
    run: { wallMs, cpuMs, maxRssMB: round(((rssKiB ?? 0) * 1024) / MB, 1), load: load1() },
    stdout,
  };
}
