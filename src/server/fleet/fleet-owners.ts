import { KubeClient, type KubeTarget, loadKubeConfig } from '../../kube/index.ts';
import { readClusterOwners } from './leases.ts';

/** Reads the owners of the fleet's clusters from their Leases in the management cluster's namespace (`schedule describe`). */
export function fleetOwners(
  kube: KubeTarget,
  namespace: string,
): (clusters: readonly string[]) => Promise<ReadonlyMap<string, string>> {
  return async () => {
    const client = new KubeClient(loadKubeConfig(kube), { maxSockets: 2 });
    try {
      return await readClusterOwners(client, namespace);
    } finally {
      client.close();
    }
  };
}
