import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ManagedProcess {
  name: string;
  pid: number;
  log: string;
  /** How long `down` waits after SIGTERM before SIGKILL; 10 s when absent. */
  graceMs?: number;
}

/**
 * Starts a long-running component in its own process group with output to a log file. `detached`
 * lets `harness up` return while the component keeps running; stopping is always by recorded PID.
 */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { log: string; env?: Record<string, string>; cwd?: string },
): ManagedProcess {
  const fd = openSync(options.log, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`${name} did not start (${command})`);
    child.on('error', () => {}); // reported by the readiness wait, with the log
    return { name, pid: child.pid, log: options.log };
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the process still runs. A zombie does not: a component whose starter exited is re-parented
 * to PID 1, which may reap it late, and `kill(pid, 0)` succeeds on it until then.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(pid, 0) has answered
  }
}

/** SIGTERM the process group, then SIGKILL after the grace period; resolves once it is gone. */
export async function stopProcess(proc: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (!isAlive(proc.pid)) return;
  signal(proc.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(proc.pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(proc.pid)) {
    signal(proc.pid, 'SIGKILL');
    while (isAlive(proc.pid)) await sleep(50);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // the whole group: the component and anything it started
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

export function tailLog(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns true; fails with the component's log when it dies or times out. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; proc?: ManagedProcess; intervalMs?: number; logs?: string[] },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (options.proc !== undefined && !isAlive(options.proc.pid)) {
      throw new Error(
        `${what}: ${options.proc.name} exited. Last lines of ${options.proc.log}:\n${tailLog(options.proc.log)}`,
      );
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(options.intervalMs ?? 200);
  }
  const logs = [...(options.proc === undefined ? [] : [options.proc.log]), ...(options.logs ?? [])];
  const log = logs.map((file) => `\nLast lines of ${file}:\n${tailLog(file)}`).join('');
  throw new Error(
    `${what}: not ready after ${options.timeoutMs / 1000} s${lastError ? ` (${lastError})` : ''}${log}`,
  );
}
