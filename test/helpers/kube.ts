import { CoreV1Api, AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';

export function kubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export function clients(path: string): { kc: KubeConfig; core: CoreV1Api; apps: AppsV1Api } {
  const kc = kubeConfig(path);
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

/** A namespace name unique to this test run, so test files can share a cluster. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `${what}: not true after ${timeoutMs} ms${last instanceof Error ? ` (last error: ${last.message})` : ''}`,
  );
}
