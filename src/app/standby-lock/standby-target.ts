import { loadConfig } from '../../config/index.ts';
import { loadKubeConfig } from '../../kube/index.ts';

/**
 * Whether a restore's target is a standby of the config's fleet: its API server is the one of a
 * cluster entry's `standby`. Entries whose kubeconfig cannot be read are passed over; a config that
 * cannot be read names no standby (the restore itself reports it).
 */
export async function isConfiguredStandby(configPath: string | undefined, server: string): Promise<boolean> {
  const config = await loadConfig(configPath).catch(() => undefined);
  for (const entry of config?.clusters ?? []) {
    if (entry.standby === undefined) continue;
    try {
      if (
        loadKubeConfig({ kubeconfig: entry.standby.kubeconfig, context: entry.standby.context }).server ===
        server
      )
        return true;
    } catch {
      // An unreadable kubeconfig: not this restore's concern.
    }
  }
  return false;
}
