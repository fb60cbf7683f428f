import { LifeboatError } from '../../errors/index.ts';
import { KubeApiError, KubeClient, type KubeTarget, loadKubeConfig } from '../../kube/index.ts';
import type { ClusterProbe, Unreachable } from './fleet-model.ts';

/** How long one cluster may take to answer before it is reported unreachable. */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * Connects once, without retries and under its own timeout, to learn the cluster's identity (the
 * UID of its kube-system namespace): a slow or unreachable cluster costs at most `timeoutMs` and
 * never fails the caller. The reason names the server and the failure (DNS, refused, TLS, 401/403,
 * timeout, the kubeconfig), never a credential. The server's API may call it as it is.
 */
export async function probeCluster(target: KubeTarget, timeoutMs = PROBE_TIMEOUT_MS): Promise<ClusterProbe> {
  let client: KubeClient;
  try {
    client = new KubeClient(loadKubeConfig(target), { maxSockets: 2 });
  } catch (err) {
    return unreachable(undefined, err, timeoutMs);
  }
  let timer: NodeJS.Timeout | undefined;
  // A stalled TLS handshake or a proxy that never answers still ends at the deadline.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LifeboatError('TIMEOUT', `the API server ${client.server} did not answer in time`)),
      timeoutMs + 1_000,
    );
  });
  try {
    const [ns, version] = await Promise.race([
      Promise.all([
        client.json<{ metadata?: { uid?: unknown } }>({
          path: '/api/v1/namespaces/kube-system',
          retries: 0,
          timeoutMs,
        }),
        client.json<{ gitVersion?: unknown }>({ path: '/version', retries: 0, timeoutMs }),
      ]),
      deadline,
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
    return unreachable(client.server, err, timeoutMs);
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

function unreachable(server: string | undefined, err: unknown, timeoutMs: number): ClusterProbe {
  const { kind, reason } = classifyUnreachable(err, server, timeoutMs);
  return { reachable: false, server, kind, reason };
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|VERIFY|ISSUER|ERR_OSSL|HANDSHAKE/i;

/**
 * Why a cluster could not be asked, as a kind a script can switch on and a sentence an operator can
 * act on: the host name does not resolve (dns), nothing listens (refused), the certificate is not
 * trusted (tls), the credentials are rejected (unauthorized) or lack the right (forbidden), no answer
 * in time (timeout), the kubeconfig cannot be used (kubeconfig), or another network failure.
 */
export function classifyUnreachable(
  err: unknown,
  server: string | undefined,
  timeoutMs = PROBE_TIMEOUT_MS,
): { kind: Unreachable; reason: string } {
  const at = server ?? 'the API server';
  if (err instanceof KubeApiError) {
    if (err.status === 401)
      return { kind: 'unauthorized', reason: `${at} rejected the kubeconfig's credentials (HTTP 401)` };
    if (err.status === 403)
      return {
        kind: 'forbidden',
        reason: `${at} forbids the kubeconfig's identity to read namespace kube-system (HTTP 403)`,
      };
    return { kind: 'other', reason: `${at} answered HTTP ${err.status}: ${err.message}` };
  }
  if (err instanceof LifeboatError && err.code === 'TIMEOUT')
    return { kind: 'timeout', reason: `${at} did not answer within ${Math.round(timeoutMs / 1000)} s` };
  if (err instanceof LifeboatError && err.code === 'CONFIG')
    return { kind: 'kubeconfig', reason: err.message };
  const code = causeCode(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { kind: 'dns', reason: `the host name of ${at} does not resolve (${code})` };
  if (code === 'ECONNREFUSED')
    return { kind: 'refused', reason: `nothing accepts connections at ${at} (ECONNREFUSED)` };
  if (code === 'ETIMEDOUT')
    return { kind: 'timeout', reason: `${at} did not answer within ${Math.round(timeoutMs / 1000)} s` };
  if (code !== undefined && TLS_CODE.test(code))
    return {
      kind: 'tls',
      reason: `${at} presented a certificate the kubeconfig's certificate-authority does not trust (${code})`,
    };
  if (err instanceof LifeboatError) return { kind: 'other', reason: err.message };
  return {
    kind: 'other',
    reason: `cannot connect to ${at}: ${code ?? (err instanceof Error ? err.name : 'unknown error')}`,
  };
}

/** The system error code under a LifeboatError (its cause) or of the error itself. */
function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !(e instanceof LifeboatError)) return code;
  }
  return undefined;
}
