/**
 * One measured run of each side of the backup benchmark: the floor (bench/floor.ts, compiled) and
 * `lifeboat backup create` as installed, both under bench/measured.js; a backup's folder is removed
 * after its sizes are read.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cliNodeArgs,
  compiledFloor,
  LIFEBOAT_CLI,
  MB,
  round,
  runMeasured,
  type BenchControlPlane,
  type MeasuredRun,
} from './common.ts';

/** The node options the installed CLI runs with (its shebang line), used for every lifeboat run. */
export const LIFEBOAT_NODE_ARGS = await cliNodeArgs();

export interface FloorRun {
  wallMs: number;
  processMs: number;
  /** CPU time of the process (user + system, every thread): steadier than wall time on a busy machine. */
  cpuMs: number;
  maxRssMB: number;
  items: number;
}

export interface BackupRun extends FloorRun {
  name: string;
  phase: string;
  archiveBytes: number;
  folderBytes: number;
}

/** The floor; args after the kubeconfig select namespaces and a strategy (see bench/floor.ts). */
export async function runFloor(plane: BenchControlPlane, args: readonly string[] = []): Promise<FloorRun> {
  const run = await runMeasured(compiledFloor('floor'), [plane.kubeconfig, ...args], {
    reportDir: plane.dir,
    keepLine: (l) => l.startsWith('{'),
  });
  check(run, 'floor');
  const out = JSON.parse(run.lines.at(-1) ?? '{}') as { items?: number };
  return {
    wallMs: Math.round(run.wallMs),
    processMs: Math.round(run.processMs),
    cpuMs: Math.round(run.cpuMs),
    maxRssMB: round(run.maxRssBytes / MB, 1),
    items: out.items ?? Number.NaN,
  };
}

function backupArgs(name: string, kubeconfig: string, config: string, extra: readonly string[]): string[] {
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
    ...extra,
  ];
}

/** `lifeboat backup create`, with extra arguments (e.g. --include-namespaces) after the usual ones. */
export async function runBackup(
  plane: BenchControlPlane,
  o: { name: string; config: string; bucket: string; nodeArgs?: string[]; args?: readonly string[] },
): Promise<BackupRun> {
  const run = await runMeasured(LIFEBOAT_CLI, backupArgs(o.name, plane.kubeconfig, o.config, o.args ?? []), {
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
    cpuMs: Math.round(run.cpuMs),
    maxRssMB: round(run.maxRssBytes / MB, 1),
    items: result.backup?.itemsBackedUp ?? Number.NaN,
    archiveBytes,
    folderBytes,
  };
}

export function check(run: MeasuredRun, what: string): void {
  if (run.code !== 0) throw new Error(`${what} exited with code ${run.code}:\n${run.stderrTail}`);
}
