import { LifeboatError } from '../../errors/index.ts';
import {
  KubeClient,
  type KubeTarget,
  loadKubeConfig,
  serverVersion,
  type ServerVersion,
} from '../../kube/index.ts';

export interface ConnectedCluster {
  client: KubeClient;
  server: string;
  version: ServerVersion;
  close(): void;
}

/** Loads the kubeconfig and checks the API server answers (fails within seconds when it does not). */
export async function connectCluster(target: KubeTarget): Promise<ConnectedCluster> {
  const kc = loadKubeConfig(target);
  const client = new KubeClient(kc);
  try {
    const version = await serverVersion(client);
    return { client, server: client.server, version, close: () => client.close() };
  } catch (err) {
    client.close();
    throw err;
  }
}

/** Connects only to learn the cluster's identity (the UID of its kube-system namespace). */
export async function readClusterUid(target: KubeTarget): Promise<string> {
  const client = new KubeClient(loadKubeConfig(target));
  try {
    return await clusterUid(client);
  } finally {
    client.close();
  }
}

/**
 * The UID of the kube-system namespace: every backup records it, so that retention, GC and crash
 * recovery act only on the backups of the cluster they run for, even in a bucket shared by clusters.
 */
export async function clusterUid(client: KubeClient): Promise<string> {
  let ns: { metadata?: { uid?: unknown } };
  try {
    ns = await client.json<{ metadata?: { uid?: unknown } }>({ path: '/api/v1/namespaces/kube-system' });
  } catch (err) {
    if (!(err instanceof LifeboatError) || (err.code !== 'FORBIDDEN' && err.code !== 'NOT_FOUND')) throw err;
    throw new LifeboatError(
      'FORBIDDEN',
      `cannot read the cluster's identity (namespace kube-system): ${err.message}`,
      {
        cause: err,
        hint: 'lifeboat records the UID of the kube-system namespace in every backup: allow get on namespaces/kube-system',
      },
    );
  }
  const uid = ns.metadata?.uid;
  if (typeof uid !== 'string' || uid === '')
    throw new LifeboatError('OPERATION_FAILED', 'the namespace kube-system has no UID', {
      hint: 'is the API server a real Kubernetes API server?',
    });
  return uid;
}
