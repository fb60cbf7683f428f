import { CLUSTERS_FOLDER, loadConfig, resolveLocation } from '../../config/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import { openLocation, openStores } from '../deps/index.ts';
import { type BackupQuery, type BackupSummary, listBackups } from './backups.ts';

/** A backup in the fleet view: which cluster's prefix it was found under ('' for the location's root). */
export interface FleetBackupSummary extends BackupSummary {
  clusterName: string;
}

export interface FleetBackupList {
  /** True when clusters are configured: the listing spans each cluster's prefix. */
  fleet: boolean;
  backups: FleetBackupSummary[];
  /** Backups whose recorded identity is not their cluster's; prefixes that could not be listed. */
  warnings: string[];
}

type Config = Awaited<ReturnType<typeof loadConfig>>;

/** The CLI's query: a cluster by the name `--cluster` gives. */
type NamedQuery = Omit<BackupQuery, 'cluster'> & { cluster?: string | undefined };

/**
 * Backups of one cluster (`--cluster`), or across the fleet: the location's own backups and each
 * cluster's prefix (configured clusters, and with discovery the `clusters/<name>/` folders found).
 * A backup whose recorded identity is not its cluster's is listed with a warning.
 */
export async function listFleetBackups(query: NamedQuery, name?: string): Promise<FleetBackupList> {
  const config = await loadConfig(query.configPath);
  const fleet = (config.clusters ?? []).length > 0 || config.fleet !== undefined;
  if (query.cluster !== undefined || !fleet) {
    const out: FleetBackupList = { fleet: false, backups: [], warnings: [] };
    await addCluster(out, config, query, query.cluster, name);
    return out;
  }
  const out: FleetBackupList = { fleet: true, backups: [], warnings: [] };
  if (name !== undefined) {
    await addCluster(out, config, query, await resolveBackupCluster(query, name), name);
    return out;
  }
  await addCluster(out, config, query, undefined, name);
  for (const cluster of await fleetClusterNames(config, query))
    await addCluster(out, config, query, cluster, name);
  out.backups.sort(
    (a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name),
  );
  return out;
}

async function addCluster(
  out: FleetBackupList,
  config: Config,
  query: NamedQuery,
  cluster: string | undefined,
  name: string | undefined,
): Promise<void> {
  let rows: BackupSummary[];
  try {
    rows = await listBackups({ ...query, cluster }, name);
  } catch (err) {
    if (!(err instanceof LifeboatError) || cluster === undefined || query.cluster !== undefined) throw err;
    if (name !== undefined) throw err;
    out.warnings.push(`cluster '${cluster}': ${err.message}`);
    return;
  }
  const uid = cluster === undefined ? undefined : config.clusters?.find((c) => c.name === cluster)?.uid;
  for (const row of rows) {
    if (uid !== undefined && row.cluster !== undefined && row.cluster !== uid) {
      const warning = `backup "${row.name}" under cluster '${cluster ?? ''}' records another cluster's identity (${row.cluster}, not ${uid})`;
      out.warnings.push(warning);
      query.logger.warn({ backup: row.name, cluster, recorded: row.cluster, expected: uid }, warning);
    }
    out.backups.push({ ...row, clusterName: cluster ?? '' });
  }
}

/** Configured clusters, then (when discovery is on) the other `clusters/<name>/` folders of the location. */
async function fleetClusterNames(config: Config, query: NamedQuery): Promise<string[]> {
  const names = (config.clusters ?? []).map((c) => c.name);
  if (config.fleet === undefined) return names;
  const location = resolveLocation(config, query.location);
  const opened = await openStores(location, { logger: query.logger });
  try {
    const base = (location.objectStorage.prefix ?? '').replace(/^\/+|\/+$/g, '');
    const folder = `${base === '' ? '' : `${base}/`}${CLUSTERS_FOLDER}/`;
    for (const p of await opened.store.listCommonPrefixes(folder)) {
      const found = p.slice(folder.length).replace(/\/$/, '');
      if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(found) && !names.includes(found)) names.push(found);
    }
  } finally {
    await opened.close();
  }
  return names;
}

/**
 * The cluster whose prefix holds the backup: `--cluster` if given; else, in a fleet, the location's
 * root if it is there, then each cluster's prefix. undefined when not a fleet or not found anywhere
 * (the caller's own lookup then says NOT_FOUND).
 */
export async function resolveBackupCluster(query: NamedQuery, name: string): Promise<string | undefined> {
  if (query.cluster !== undefined) return query.cluster;
  const config = await loadConfig(query.configPath);
  if ((config.clusters ?? []).length === 0 && config.fleet === undefined) return undefined;
  for (const cluster of [undefined, ...(await fleetClusterNames(config, query))]) {
    const opened = await openLocation(query.configPath, query.location, query.logger, cluster);
    try {
      if (await opened.backupStore.backupExists(name)) return cluster;
    } finally {
      await opened.close();
    }
  }
  return undefined;
}
