import { KubeClient } from '../kube/client.ts';
import { serverVersion, type ServerVersion } from '../kube/discovery.ts';
import { loadKubeConfig, type KubeTarget } from '../kube/kubeconfig.ts';

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
