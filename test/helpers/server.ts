import { spawn, type ChildProcess } from 'node:child_process';
import { MAIN } from './cli.ts';
import { eventually } from './kube.ts';

/** `lifeboat server` from source, running as its own process. */
export interface ServerProcess {
  child: ChildProcess;
  /** Where it listens: http://127.0.0.1:PORT. */
  url: string;
  /** Its standard output and error so far (JSON logs at level info). */
  output: () => string;
  /** Its exit code, once it has exited. */
  exited: Promise<number | null>;
  /** Sends SIGTERM unless it has exited already; its exit code. */
  stop: () => Promise<number | null>;
}

/** The CLI's global flags startServer gives unless told otherwise: JSON logs at level info. */
const LOGS = ['--log-level', 'info', '--log-format', 'json'];

/**
 * `lifeboat server` from source on a free loopback port, with the server's `args` (--kubeconfig, …)
 * and `env` over this process's environment (LIFEBOAT_CONFIG, LIFEBOAT_API_TOKEN). Returns once it
 * listens, or with `ready` once /readyz answers 200 (its locations synced, its scheduler running). A
 * server that exits or does not get there within `timeoutMs` is killed, and the error shows its output.
 * `globals` replaces the CLI's global flags (LOGS); `node` runs another entry than src/main.ts (node's
 * flags, then the script: the built CLI).
 */
export async function startServer(options: {
  args: string[];
  env: Record<string, string>;
  ready?: boolean;
  timeoutMs?: number;
  globals?: string[];
  node?: string[];
}): Promise<ServerProcess> {
  const { timeoutMs = 60_000, globals = LOGS, node = [MAIN] } = options;
  const child = spawn(
    process.execPath,
    [...node, ...globals, 'server', '--listen', '127.0.0.1:0', ...options.args],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const running = (): void => {
    if (child.exitCode !== null) throw new Error(`lifeboat server exited ${child.exitCode}`);
  };
  try {
    const url = await eventually(
      'server listening',
      () => {
        running();
        return Promise.resolve(/lifeboat server listening on (http:\/\/[\d.]+:\d+)/.exec(out)?.[1]);
      },
      { timeoutMs },
    );
    if (options.ready === true)
      await eventually(
        'server ready',
        async () => {
          running();
          return (await fetch(`${url}/readyz`)).status === 200 ? true : undefined;
        },
        { timeoutMs, intervalMs: 300 },
      );
    const stop = async (): Promise<number | null> => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    };
    return { child, url, output: () => out, exited, stop };
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${String(err)}\n--- server output ---\n${out.slice(-4000)}`, { cause: err });
  }
}
