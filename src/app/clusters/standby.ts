import { type ClusterEntry, findCluster, type LifeboatConfig } from '../../config/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import type { ClusterCandidate, ClusterSource } from './fleet-model.ts';
import { ClusterRegistry, configuredCandidates } from './registry.ts';

/**
 * A cluster of the fleet as recovery (standby check, runbook, drill) sees it: its config entry when
 * configured, where its backups are, and its standby. Needs no answer from the cluster itself.
 */
export interface RecoveryCluster {
  name: string;
  source: ClusterSource;
  entry: ClusterEntry | undefined;
  location: string | undefined;
  prefix: string | undefined;
  /**
   * Its standby, resolved one way for every caller: a configured entry's `standby.kubeconfig` (a
   * relative path is from the config file's folder); for a Cluster API cluster, the kubeconfig in
   * the Secret its `lifeboat.io/standby-kubeconfig-secret` annotation names (held in memory).
   */
  standby: KubeTarget | undefined;
}

type RecoveryConfig = Pick<LifeboatConfig, 'clusters' | 'fleet' | 'path'>;

const recoveryOf = (c: ClusterCandidate, config: RecoveryConfig): RecoveryCluster => ({
  name: c.name,
  source: c.source,
  entry: c.source === 'config' ? config.clusters?.find((e) => e.name === c.name) : undefined,
  location: c.location,
  prefix: c.prefix,
  standby: c.standby,
});

/** Every cluster of the fleet: the configured ones, then (with discovery) those found, not probed. */
export async function recoveryClusters(
  config: RecoveryConfig,
): Promise<{ clusters: RecoveryCluster[]; problems: string[] }> {
  if (config.fleet === undefined)
    return { clusters: configuredCandidates(config).map((c) => recoveryOf(c, config)), problems: [] };
  const registry = new ClusterRegistry({
    load: () => Promise.resolve(config),
    probe: () => Promise.resolve({ reachable: false }),
  });
  const refresh = await registry.refresh();
  return {
    clusters: refresh.clusters.map((c) => recoveryOf(c, config)),
    problems: refresh.problems,
  };
}

/** One cluster named on the command line: its entry at once, else a discovered one; NOT_FOUND naming the known ones. */
export async function recoveryCluster(config: RecoveryConfig, name: string): Promise<RecoveryCluster> {
  const configured = configuredCandidates(config).find((c) => c.name === name);
  if (configured !== undefined) return recoveryOf(configured, config);
  if (config.fleet !== undefined) {
    const found = (await recoveryClusters(config)).clusters.find((c) => c.name === name);
    if (found !== undefined) return found;
  }
  findCluster(config, name);
  throw new LifeboatError('NOT_FOUND', `no cluster named '${name}' in the fleet`);
}
