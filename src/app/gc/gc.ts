import { loadConfig, type LifeboatConfig } from '../../config/index.ts';
import type { Logger } from '../../log/index.ts';
import { type RetentionDecision, scheduleCron, selectRetention } from '../../schedule/index.ts';
import { openLocation } from '../deps/index.ts';
import { BackupIndex, configuredLocations, type BackupRecord } from '../sync/sync.ts';
import { type ClusterRef, clusterRefName } from '../clusters/index.ts';

export type { RetentionDecision } from '../../schedule/index.ts';

export interface GcReport {
  decisions: RetentionDecision[];
  deleted: { location: string; name: string }[];
  failed: { location: string; name: string; message: string }[];
  /** Backups that would go but stay because their location is read-only (Velero's BSLReadOnly). */
  readOnly: { location: string; name: string }[];
  dryRun: boolean;
}

export interface GcOptions {
  configPath: string | undefined;
  logger: Logger;
  dryRun: boolean;
  now?: Date;
  /** Backups already listed (the server's index); default: list every location now. */
  records?: readonly BackupRecord[];
  /** Names being written right now: never deleted. */
  running?: ReadonlySet<string>;
  /**
   * The identity (kube-system UID) of the cluster GC runs for: retention acts only on its backups.
   * Undefined when unknown: then only backups that record no identity can go (at their TTL).
   */
  cluster?: string | undefined;
  /** A cluster of the fleet: GC acts in its prefix of each location (app/clusters resolveClusterScope). */
  scope?: ClusterRef | undefined;
  onDeleted?: (location: string, name: string) => void;
}

/** The retention decision for every backup of every location (pure selection over the listing). */
export function planGc(
  config: LifeboatConfig,
  records: readonly BackupRecord[],
  now: Date,
  cluster?: string,
): RetentionDecision[] {
  const schedules = new Map((config.schedules ?? []).map((s) => [s.name, s]));
  return selectRetention(
    records.map((r) => ({
      name: r.name,
      location: r.location,
      schedule: r.schedule,
      cluster: r.cluster,
      phase: r.problem === undefined ? r.phase : undefined,
      started: r.started,
      expiration: r.expiration,
    })),
    (name) => {
      const s = schedules.get(name);
      if (s === undefined) return undefined;
      let timeZone = 'UTC';
      try {
        timeZone = scheduleCron(s).timeZone;
      } catch {
        // An invalid cron does not stop GC; buckets are then computed in UTC.
      }
      return { policy: s.retention, timeZone };
    },
    now,
    cluster,
  );
}

/**
 * Garbage collection, once: TTL expiry and the schedules' retention rules, never the newest good
 * backup of a schedule. With dryRun nothing is deleted; the report says what would be.
 */
export async function runGc(options: GcOptions): Promise<GcReport> {
  const config = await loadConfig(options.configPath);
  let records = options.records;
  if (records === undefined) {
    const index = new BackupIndex({ configPath: options.configPath, logger: options.logger });
    const states = await index.syncAll();
    for (const s of states.filter((l) => !l.available))
      options.logger.warn({ location: s.name }, `location ${s.name} skipped: ${s.message ?? 'unavailable'}`);
    records = index.backups();
  }
  const running = options.running ?? new Set<string>();
  const decisions = planGc(config, records, options.now ?? new Date(), options.cluster).map((d) =>
    d.delete && running.has(d.name) ? { ...d, delete: false, reasons: ['being written'] } : d,
  );
  const report: GcReport = { decisions, deleted: [], failed: [], readOnly: [], dryRun: options.dryRun };
  const doomed = decisions.filter((d) => d.delete);
  const readOnly = new Set(
    configuredLocations(config)
      .filter((l) => l.accessMode === 'ReadOnly')
      .map((l) => l.name),
  );
  report.readOnly = doomed
    .filter((d) => readOnly.has(d.location))
    .map(({ location, name }) => ({ location, name }));
  if (options.dryRun) return report;
  for (const location of new Set(doomed.map((d) => d.location))) {
    if (readOnly.has(location)) continue;
    const names = doomed.filter((d) => d.location === location).map((d) => d.name);
    let opened;
    try {
      opened = await openLocation(options.configPath, location, options.logger, options.scope);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      report.failed.push(...names.map((name) => ({ location, name, message })));
      continue;
    }
    try {
      for (const name of names) {
        try {
          await opened.backupStore.deleteBackup(name);
          report.deleted.push({ location, name });
          options.onDeleted?.(location, name);
          const cluster = options.scope === undefined ? undefined : clusterRefName(options.scope);
          options.logger.info(
            { backup: name, location, cluster },
            `gc: deleted backup ${name}${cluster === undefined ? '' : ` of cluster ${cluster}`}`,
          );
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          report.failed.push({ location, name, message });
          options.logger.warn(
            { backup: name, location, err },
            `gc: cannot delete backup ${name}: ${message}`,
          );
        }
      }
    } finally {
      await opened.close();
    }
  }
  return report;
}
