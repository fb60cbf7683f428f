import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/index.ts';
import type { Location } from '../model/location.ts';
import { buildVeleroBackupJson, DEFAULT_BACKUP_TTL } from '../model/velero-backup-builder.ts';
import { VeleroLabels } from '../model/velero.ts';
import type { BackupStore } from '../store/backup-store.ts';
import { openLocation } from './locations-open.ts';
import { toBackupRecord, type BackupRecord } from './sync.ts';
import { veleroBackupSchema } from '../model/velero.ts';
import { nullObject } from '../model/dictionary.ts';

export interface FailedRecordInput {
  name: string;
  location: string;
  schedule?: string | undefined;
  ttl?: string | undefined;
  started: Date;
  reason: string;
  labels?: Record<string, string> | undefined;
}

/**
 * Writes velero-backup.json with phase Failed and the reason into backups/<name>/ (only there, as
 * Velero's layout requires): a run that was interrupted, lost or failed before anything was stored
 * is then listed as Failed — never left looking in progress — and goes at its TTL like any backup.
 */
export async function writeFailedRecord(store: BackupStore, input: FailedRecordInput): Promise<BackupRecord> {
  const labels = nullObject(input.labels);
  if (input.schedule !== undefined) labels[VeleroLabels.scheduleName] = input.schedule;
  const json = buildVeleroBackupJson({
    name: input.name,
    uid: randomUUID(),
    storageLocation: input.location,
    labels,
    spec: { includedNamespaces: ['*'], ttl: input.ttl ?? DEFAULT_BACKUP_TTL },
    phase: 'Failed',
    startTimestamp: input.started,
    completionTimestamp: new Date(),
    failureReason: input.reason,
    errors: 1,
  });
  await store.store.put(store.layout.backupMetadataKey(input.name), json, {
    contentType: 'application/json',
  });
  return toBackupRecord(veleroBackupSchema().parse(JSON.parse(json)), input.location);
}

export interface OrphanReport {
  location: string;
  name: string;
  objects: number;
  lastModified: string | undefined;
  action: 'marked Failed' | 'left (recent)' | 'left (read-only location)' | 'failed';
  message?: string;
}

export interface RecoverOptions {
  configPath: string | undefined;
  location: Location;
  logger: Logger;
  /** Names this process is writing right now: never touched. */
  running: ReadonlySet<string>;
  /** A folder whose newest object is younger than this may still be being written (default 10 min). */
  olderThanMs?: number;
  /** The schedule a backup name belongs to, for the label and TTL. */
  scheduleOf: (name: string) => { name: string; ttl?: string | undefined } | undefined;
  dryRun?: boolean;
}

/**
 * Crash recovery: a folder under backups/ with objects but no velero-backup.json is a backup whose
 * writer died (lifeboat writes velero-backup.json last). Once it is old enough not to be a backup
 * being written right now, it is marked Failed ("the writer stopped before the backup finished").
 */
export async function recoverOrphans(options: RecoverOptions): Promise<OrphanReport[]> {
  const { location } = options;
  const opened = await openLocation(options.configPath, location.name, options.logger);
  const reports: OrphanReport[] = [];
  try {
    const bs = opened.backupStore;
    const base = bs.layout.backupsPrefix();
    const names = (await bs.store.listCommonPrefixes(base)).map((p) => p.slice(base.length, -1));
    for (const name of names) {
      if (options.running.has(name)) continue;
      if ((await bs.store.head(bs.layout.backupMetadataKey(name))) !== undefined) continue;
      const objects = await bs.listBackupObjects(name);
      if (objects.length === 0) continue;
      const times = objects.map((o) => o.lastModified?.getTime() ?? 0);
      const newest = Math.max(...times);
      const report: OrphanReport = {
        location: location.name,
        name,
        objects: objects.length,
        lastModified: newest > 0 ? new Date(newest).toISOString() : undefined,
        action: 'marked Failed',
      };
      reports.push(report);
      if (Date.now() - newest < (options.olderThanMs ?? 600_000)) report.action = 'left (recent)';
      else if (location.accessMode === 'ReadOnly') report.action = 'left (read-only location)';
      if (report.action !== 'marked Failed' || options.dryRun === true) continue;
      const schedule = options.scheduleOf(name);
      try {
        await writeFailedRecord(bs, {
          name,
          location: location.name,
          schedule: schedule?.name,
          ttl: schedule?.ttl,
          started: new Date(Math.min(...times.filter((t) => t > 0), newest || Date.now())),
          reason: 'interrupted: the writer stopped before the backup finished (found by crash recovery)',
        });
        options.logger.warn(
          { backup: name, location: location.name },
          `backup ${name} left unfinished by a crash: marked Failed`,
        );
      } catch (err) {
        report.action = 'failed';
        report.message = err instanceof Error ? err.message : String(err);
      }
    }
    return reports;
  } finally {
    await opened.close();
  }
}
