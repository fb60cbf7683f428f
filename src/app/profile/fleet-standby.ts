import { mapBounded } from '../../concurrency/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import type { ClusterRole } from '../clusters/index.ts';
import { type FleetMember, fleetMember, fleetMembers, newestBackup } from './fleet-members.ts';
import { runStandbyCheck, type StandbyCheckResult } from './standby.ts';

export interface ClusterStandbyRequest {
  configPath: string | undefined;
  logger: Logger;
  storageClassMappings: Record<string, string>;
}

/** One cluster's standby check: its result, or why it could not run (never both). */
export interface ClusterStandbyCheck {
  cluster: string;
  role: ClusterRole;
  /** Where its backups are: location name and the prefix in it. */
  location: string;
  prefix: string;
  /** The standby's kubeconfig file, or the Secret a discovered cluster's standby is in (never its content). */
  standbyKubeconfig: string | undefined;
  backup: string | undefined;
  result: StandbyCheckResult | undefined;
  error: { code: string; message: string; hint: string | undefined } | undefined;
}

export interface FleetStandbyCheck {
  clusters: ClusterStandbyCheck[];
  /** Configured clusters without a standby: not checked. */
  withoutStandby: string[];
  ready: boolean;
  counts: { ready: number; blocked: number; notChecked: number };
}

/** Checks run at once: each opens a store and captures a profile; the rest wait their turn. */
const CONCURRENT_CHECKS = 2;

/**
 * One cluster's standby check: its registered standby (or `kube`), against its newest backup under
 * its prefix (or `backup`).
 */
export async function checkClusterStandby(
  request: ClusterStandbyRequest,
  cluster: string,
  options: { backup?: string | undefined; kube?: KubeTarget | undefined } = {},
): Promise<StandbyCheckResult & { cluster: string; role: ClusterRole; prefix: string }> {
  const m = await fleetMember(request.configPath, cluster);
  const kube = options.kube ?? m.standby;
  if (kube === undefined)
    throw new LifeboatError('USAGE', `cluster '${cluster}' has no standby`, {
      hint: `give --kubeconfig STANDBY, set clusters[${cluster}].standby.kubeconfig in the config file, or (a Cluster API cluster) annotate its Cluster object with lifeboat.io/standby-kubeconfig-secret: SECRET`,
    });
  const result = await checkMember(request, m, kube, options.backup);
  return { ...result, cluster: m.name, role: m.role, prefix: m.prefix };
}

/**
 * Every configured cluster with a standby, each against its newest backup, at most two at a time:
 * a cluster whose check cannot run (standby down, no backup) is a row with the reason, never a
 * failure of the others. Ready only when every standby is.
 */
export async function checkFleetStandbys(request: ClusterStandbyRequest): Promise<FleetStandbyCheck> {
  const members = await fleetMembers(request.configPath);
  const withStandby = members.filter((m) => m.standby !== undefined);
  if (withStandby.length === 0)
    throw new LifeboatError('NOT_FOUND', 'no cluster of the fleet has a standby', {
      hint: 'register each cluster’s standby: lifeboat cluster add NAME --kubeconfig FILE --standby STANDBY_KUBECONFIG',
    });
  const clusters = await mapBounded(withStandby, CONCURRENT_CHECKS, (m) => checkRow(request, m));
  const blocked = clusters.filter((c) => c.result !== undefined && !c.result.ready).length;
  const notChecked = clusters.filter((c) => c.result === undefined).length;
  return {
    clusters,
    withoutStandby: members.filter((m) => m.standby === undefined).map((m) => m.name),
    ready: blocked === 0 && notChecked === 0,
    counts: { ready: clusters.length - blocked - notChecked, blocked, notChecked },
  };
}

async function checkRow(request: ClusterStandbyRequest, m: FleetMember): Promise<ClusterStandbyCheck> {
  const row: ClusterStandbyCheck = {
    cluster: m.name,
    role: m.role,
    location: m.locationName,
    prefix: m.prefix,
    standbyKubeconfig: m.standby?.kubeconfig ?? m.standby?.kubeconfigData?.source,
    backup: undefined,
    result: undefined,
    error: undefined,
  };
  try {
    row.backup = await newestBackup(request, m.name);
    row.result = await checkMember(request, m, m.standby ?? {}, row.backup);
  } catch (err) {
    if (!(err instanceof LifeboatError)) throw err;
    request.logger.warn(
      { cluster: m.name, code: err.code },
      `standby check of cluster ${m.name} could not run`,
    );
    row.error = { code: err.code, message: err.message, hint: err.hint };
  }
  return row;
}

async function checkMember(
  request: ClusterStandbyRequest,
  m: FleetMember,
  kube: KubeTarget,
  backup: string | undefined,
): Promise<StandbyCheckResult> {
  const name = backup ?? (await newestBackup(request, m.name));
  return runStandbyCheck({
    backup: name,
    configPath: request.configPath,
    location: undefined,
    cluster: m.name,
    kube,
    storageClassMappings: request.storageClassMappings,
    logger: request.logger,
  });
}
