import { loadConfig } from '../../config/index.ts';
import { recoveryCluster } from '../clusters/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import { parseDuration } from '../../gojson/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import type { VeleroBackup } from '../../model/index.ts';
import type { BackupStore } from '../../store/index.ts';

/** Where and against what a cluster's drill runs: its standby and its recovery objectives. */
export interface DrillSettings {
  kube: KubeTarget;
  objectives: { rtoSeconds?: number; rpoSeconds?: number };
}

/**
 * The standby (the flag's kubeconfig, else the cluster entry's) and the objectives (the flags', else
 * the cluster entry's `objectives`).
 */
export async function drillSettings(
  configPath: string | undefined,
  cluster: string,
  standby: KubeTarget | undefined,
  objectives: { rtoSeconds?: number | undefined; rpoSeconds?: number | undefined },
): Promise<DrillSettings> {
  const found = await recoveryCluster(await loadConfig(configPath), cluster);
  const entry = found.entry;
  const kube = standby?.kubeconfig !== undefined ? standby : found.standby;
  if (kube === undefined)
    throw new LifeboatError('USAGE', `cluster '${cluster}' has no standby to drill into`, {
      hint: `give one with --standby KUBECONFIG, or record it: lifeboat cluster add ${cluster} --kubeconfig FILE --standby STANDBY_KUBECONFIG`,
    });
  const seconds = (text: string | undefined, what: string) =>
    text === undefined ? undefined : parseDuration(text, what) / 1000;
  const rto = objectives.rtoSeconds ?? seconds(entry?.objectives?.rto, 'objectives.rto');
  const rpo = objectives.rpoSeconds ?? seconds(entry?.objectives?.rpo, 'objectives.rpo');
  return {
    kube,
    objectives: {
      ...(rto === undefined ? {} : { rtoSeconds: rto }),
      ...(rpo === undefined ? {} : { rpoSeconds: rpo }),
    },
  };
}

/** The backup a drill restores: the one named (Completed only), or the newest Completed one of the cluster's prefix. */
export async function drillBackup(
  store: BackupStore,
  name: string | undefined,
  cluster: string,
): Promise<VeleroBackup> {
  if (name !== undefined) {
    const backup = await store.getBackup(name);
    if (backup.status.phase !== 'Completed')
      throw new LifeboatError(
        'UNSUPPORTED',
        `backup "${name}" is ${backup.status.phase ?? 'in an unknown phase'}: a drill restores only a Completed backup`,
        {
          hint: `choose a Completed backup of ${cluster} (lifeboat backup get --cluster ${cluster}) or leave --backup out for the newest`,
        },
      );
    return backup;
  }
  let newest: VeleroBackup | undefined;
  for (const n of await store.listBackupNames()) {
    const backup = await store.getBackup(n).catch(() => undefined);
    if (backup?.status.phase !== 'Completed') continue;
    if (newest === undefined || (backup.status.startTimestamp ?? '') > (newest.status.startTimestamp ?? ''))
      newest = backup;
  }
  if (newest === undefined)
    throw new LifeboatError('NOT_FOUND', `cluster '${cluster}' has no Completed backup to drill with`, {
      hint: `back it up first: lifeboat backup create --cluster ${cluster}`,
    });
  return newest;
}

/** A drill's name (and its restore's): drill-<cluster>-<yyyyMMddHHmmss> in UTC. */
export function drillName(cluster: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `drill-${cluster.slice(0, 40).replace(/-+$/, '')}-${stamp}`;
}
