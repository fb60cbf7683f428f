/**
 * Vitest global setup for integration and e2e tests: starts two control planes ("source" and
 * "standby"), versitygw and Azurite once for the run, hands their addresses to the tests through
 * `inject('harness')`, and stops them all at the end, also when tests fail or the run is interrupted.
 *
 * LIFEBOAT_HARNESS_STATE=DIR reuses a harness started by `npm run harness -- up --state-dir DIR`
 * (left running afterwards): handy while iterating on tests.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { down, readEnv, up, type HarnessEnv } from './harness.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    harness: HarnessEnv;
  }
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startForRun(project, { reuseVariable: 'LIFEBOAT_HARNESS_STATE', nodes: 0 });
}

/** Starts a harness for the run (or reuses the one named by `reuseVariable`) and provides its env. */
export async function startForRun(
  project: TestProject,
  options: { reuseVariable: string; nodes: number },
): Promise<() => Promise<void>> {
  const reuse = process.env[options.reuseVariable];
  if (reuse !== undefined && reuse !== '') {
    project.provide('harness', await readEnv(reuse));
    return async () => {};
  }
  const stateDir = await mkdtemp(join(tmpdir(), 'lifeboat-harness-'));
  const started = Date.now();
  // A signal while the harness starts (minutes with nodes) interrupts the start, which stops what it
  // started; the run's data goes after. Handlers are in place before anything starts.
  const interrupt = new AbortController();
  const starting = up({
    stateDir,
    clusters: ['source', 'standby'],
    nodes: options.nodes,
    s3: true,
    azure: true,
    log: (line) => process.stderr.write(`harness: ${line}\n`),
    signal: interrupt.signal,
  });
  const stop = () => down(stateDir, { removeData: true });
  const onSignal = (signal: NodeJS.Signals) => {
    interrupt.abort();
    void starting.then(stop, stop).finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const env = await starting.catch((err: unknown) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw err;
  });
  process.stderr.write(
    `harness: all components ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${stateDir})\n`,
  );
  project.provide('harness', env);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop();
  };
}
