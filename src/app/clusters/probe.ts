import { LifeboatError } from '../../errors/index.ts';
import { KubeClient, type KubeTarget, loadKubeConfig } from '../../kube/index.ts';
import type { ClusterProbe } from './fleet-model.ts';

/** How long one cluster may take to answer before it is reported unreachable. */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * Connects once, without retries and under its own timeout, to learn the cluster's identity (the
 * UID of its kube-system namespace): a slow or unreachable cluster costs at most `timeoutMs` and
 * never fails the caller. The reason names the server and the failure, never a credential.
 */
export async function probeCluster(target: KubeTarget, timeoutMs = PROBE_TIMEOUT_MS): Promise<ClusterProbe> {
  let client: KubeClient;
  try {
    client = new KubeClient(loadKubeConfig(target), { maxSockets: 2 });
  } catch (err) {
    return { reachable: false, reason: reasonOf(err) };
  }
  try {
    const [ns, version] = await Promise.all([
      client.json<{ metadata?: { uid?: unknown } }>({
        path: '/api/v1/namespaces/kube-system',
        retries: 0,
        timeoutMs,
      }),
      client.json<{ gitVersion?: unknown }>({ path: '/version', retries: 0, timeoutMs }),
    ]);
    const uid = ns.metadata?.uid;
    if (typeof uid !== 'string' || uid === '' || uid.length > 128)
      return { reachable: true, server: client.server, reason: 'the namespace kube-system has no UID' };
    return {
      reachable: true,
      uid,
      server: client.server,
      version: typeof version.gitVersion === 'string' ? version.gitVersion.slice(0, 64) : undefined,
    };
  } catch (err) {
    return { reachable: false, server: client.server, reason: reasonOf(err) };
  } finally {
    client.close();
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof LifeboatError) return err.message;
  return `cannot connect: ${err instanceof Error ? err.name : 'unknown error'}`;
}
