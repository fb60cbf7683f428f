import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { Location } from '../../model/index.ts';
import { type LifeboatConfig, loadConfig, resolveLocation } from '../../config/index.ts';
import { listBackups } from '../backups/index.ts';
import {
  clusterLocation,
  type ClusterRole,
  clusterRole,
  recoveryCluster,
  recoveryClusters,
} from '../clusters/index.ts';
import type { KubeTarget } from '../deps/index.ts';

/**
 * A configured cluster as recovery sees it: its part in the site, its standby, and where its backups
 * are (the location opened at its prefix). Recovery needs no answer from the cluster itself: it may
 * be the one that is gone.
 */
export interface FleetMember {
  name: string;
  role: ClusterRole;
  standby: KubeTarget | undefined;
  /** Its location, opened at its prefix (Velero's BSL prefix). */
  location: Location;
  /** The name of the location in the config file. */
  locationName: string;
  prefix: string;
}

/** Every cluster of the fleet (configured, and discovered), the management cluster first, then by name. */
export async function fleetMembers(configPath: string | undefined): Promise<FleetMember[]> {
  const config = await loadConfig(configPath);
  const members = (await recoveryClusters(config)).clusters.map((c) =>
    member(config, c.name, c.location, c.prefix, c.standby),
  );
  if (members.length === 0)
    throw new LifeboatError('NOT_FOUND', `no clusters in ${config.path}`, {
      hint: 'add the site’s clusters first: lifeboat cluster add NAME --kubeconfig FILE [--standby FILE] [--role management]',
    });
  return members.sort((a, b) => roleOrder(a) - roleOrder(b) || a.name.localeCompare(b.name));
}

/** One cluster of the fleet, configured or discovered (NOT_FOUND naming the known ones when there is none). */
export async function fleetMember(configPath: string | undefined, name: string): Promise<FleetMember> {
  const config = await loadConfig(configPath);
  const found = await recoveryCluster(config, name);
  return member(config, found.name, found.location, found.prefix, found.standby);
}

const roleOrder = (m: FleetMember) => (m.role === 'management' ? 0 : 1);

function member(
  config: LifeboatConfig,
  name: string,
  location: string | undefined,
  prefix: string | undefined,
  standby: KubeTarget | undefined,
): FleetMember {
  const base = resolveLocation(config, location);
  const at = clusterLocation(base, { name, prefix });
  return {
    name,
    role: clusterRole(config, name),
    standby,
    location: at,
    locationName: base.name,
    prefix: at.objectStorage.prefix ?? '',
  };
}

/**
 * The backup recovery starts from: the newest Completed backup under the cluster's prefix, else the
 * newest PartiallyFailed one. NOT_FOUND (saying how to make one) when the prefix holds neither.
 */
export async function newestBackup(
  query: { configPath: string | undefined; logger: Logger },
  cluster: string,
): Promise<string> {
  const rows = await listBackups({ ...query, location: undefined, cluster });
  const newest = (phase: string) => rows.find((b) => b.phase === phase && b.problem === undefined)?.name;
  const name = newest('Completed') ?? newest('PartiallyFailed');
  if (name === undefined)
    throw new LifeboatError('NOT_FOUND', `cluster '${cluster}' has no complete backup under its prefix`, {
      hint: `back it up first: lifeboat backup create NAME --cluster ${cluster}`,
    });
  return name;
}
