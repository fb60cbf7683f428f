import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
export const MAIN = join(root, 'src', 'main.ts');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the lifeboat CLI (from source, on this Node) as a separate process, as an operator would.
 * `onLine` sees each stdout line as it comes (e.g. the JSON progress stream).
 */
export function runCli(
  args: string[],
  options: {
    env?: Record<string, string>;
    timeoutMs?: number;
    onLine?: (line: string) => void;
    /** The CLI's entry file (default: src/main.ts; a built bundle to test what ships). */
    main?: string;
  } = {},
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.main ?? MAIN, ...args], {
      env: { ...process.env, LIFEBOAT_CONFIG: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (c: Buffer) => {
      const text = c.toString();
      stdout += text;
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        options.onLine?.(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: Date.now() - started });
    });
  });
}
