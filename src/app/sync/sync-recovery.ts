import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log/index.ts';
import {
  DEFAULT_BACKUP_TTL,
  type Location,
  nullObject,
  veleroBackupSchema,
  VeleroLabels,
} from '../../model/index.ts';
import { buildVeleroBackupJson } from '../../backup/index.ts';
import { type BackupClaim, type BackupStore, isAlreadyExists } from '../../store/index.ts';
import { openLocation } from '../deps/index.ts';
import { toBackupRecord, type BackupRecord } from './sync.ts';
import type { ClusterRef } from '../clusters/index.ts';

export interface FailedRecordInput {
  name: string;
  location: string;
  schedule?: string | undefined;
  ttl?: string | undefined;
  started: Date;
  reason: string;
  labels?: Record<string, string> | undefined;
  /** The source cluster's identity when known (recorded as lifeboat.io/cluster-uid). */
  cluster?: string | undefined;
  /** Take the name first with a create-only claim (a run that stored nothing: the folder is empty). */
  claim?: boolean;
}

/**
 * Writes velero-backup.json with phase Failed and the reason into backups/<name>/ (only there, as
 * Velero's layout requires): a run that was interrupted, lost or failed before anything was stored
 * is then listed as Failed — never left looking in progress — and goes at its TTL like any backup.
 * The record is written create-only: a record committed meanwhile (the writer was alive after all,
 * or another cluster took the name) is never replaced; that is ALREADY_EXISTS.
 */
export async function writeFailedRecord(store: BackupStore, input: FailedRecordInput): Promise<BackupRecord> {
  const labels = nullObject(input.labels);
  if (input.schedule !== undefined) labels[VeleroLabels.scheduleName] = input.schedule;
  const json = buildVeleroBackupJson({
    name: input.name,
    uid: randomUUID(),
    storageLocation: input.location,
    labels,
    clusterUid: input.cluster,
    spec: { includedNamespaces: ['*'], ttl: input.ttl ?? DEFAULT_BACKUP_TTL },
    phase: 'Failed',
    startTimestamp: input.started,
    completionTimestamp: new Date(),
    failureReason: input.reason,
    errors: 1,
  });
  if (input.claim === true) await store.claimBackup(input.name, input.cluster);
  await store.putBackupMetadata(input.name, json);
  return toBackupRecord(veleroBackupSchema().parse(JSON.parse(json)), input.location);
}

export interface OrphanReport {
  location: string;
  name: string;
  objects: number;
  lastModified: string | undefined;
  action:
    | 'marked Failed'
    | 'left (recent)'
    | 'left (read-only location)'
    | 'left (another cluster)'
    | 'left (committed meanwhile)'
    | 'failed';
  message?: string;
}

export interface RecoverOptions {
  configPath: string | undefined;
  location: Location;
  logger: Logger;
  /** Names this process is writing right now: never touched. */
  running: ReadonlySet<string>;
  /**
   * This cluster's identity (kube-system UID). A folder claimed by another cluster is left to that
   * cluster (its writer may be alive); one without a claim (older lifeboat) is recovered by anyone.
   */
  cluster?: string | undefined;
  /** A folder whose newest object is younger than this may still be being written (default 10 min). */
  olderThanMs?: number;
  /** The schedule a backup name belongs to, for the label and TTL. */
  scheduleOf: (name: string) => { name: string; ttl?: string | undefined } | undefined;
  dryRun?: boolean;
  /** A cluster of the fleet: its prefix of the location is recovered (app/clusters resolveClusterScope). */
  scope?: ClusterRef | undefined;
  /**
   * Why the writer named in a folder's claim is known to be gone (a replica that no longer holds the
   * cluster's lease): such a folder is marked Failed at once, whatever its age, with this reason.
   */
  writerGone?: (claim: BackupClaim) => string | undefined;
}

/**
 * Crash recovery: a folder under backups/ with objects but no velero-backup.json is a backup whose
 * writer died (lifeboat writes velero-backup.json last). Once it is old enough not to be a backup
 * being written right now, it is marked Failed ("the writer stopped before the backup finished").
 */
export async function recoverOrphans(options: RecoverOptions): Promise<OrphanReport[]> {
  const { location } = options;
  const opened = await openLocation(options.configPath, location.name, options.logger, options.scope);
  const reports: OrphanReport[] = [];
  try {
    const bs = opened.backupStore;
    const names = await bs.listBackupFolders();
    for (const name of names) {
      if (options.running.has(name)) continue;
      if (await bs.hasBackupMetadata(name)) continue;
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
      const claim = await bs.readClaim(name).catch(() => undefined);
      const holder = typeof claim?.cluster === 'string' ? claim.cluster : undefined;
      const gone = claim === undefined ? undefined : options.writerGone?.(claim);
      if (gone === undefined && Date.now() - newest < (options.olderThanMs ?? 600_000))
        report.action = 'left (recent)';
      else if (location.accessMode === 'ReadOnly') report.action = 'left (read-only location)';
      else if (holder !== undefined && holder !== options.cluster) {
        report.action = 'left (another cluster)';
        report.message = `claimed by the cluster with kube-system UID ${holder}`;
      }
      if (report.action !== 'marked Failed' || options.dryRun === true) continue;
      const reason = `interrupted: ${gone ?? 'the writer stopped before the backup finished'} (found by crash recovery)`;
      await markFailed(bs, name, { times, newest, holder, reason }, options, report);
    }
    return reports;
  } finally {
    await opened.close();
  }
}

async function markFailed(
  bs: BackupStore,
  name: string,
  found: { times: number[]; newest: number; holder: string | undefined; reason: string },
  options: RecoverOptions,
  report: OrphanReport,
): Promise<void> {
  const { times, newest, holder } = found;
  const schedule = options.scheduleOf(name);
  try {
    await writeFailedRecord(bs, {
      name,
      location: options.location.name,
      schedule: schedule?.name,
      ttl: schedule?.ttl,
      cluster: holder,
      started: new Date(Math.min(...times.filter((t) => t > 0), newest || Date.now())),
      reason: found.reason,
    });
    options.logger.warn(
      { backup: name, location: options.location.name },
      `backup ${name} left unfinished by a crash: marked Failed`,
    );
  } catch (err) {
    if (isAlreadyExists(err)) {
      // The writer committed its record after the folder was listed: it stays as written.
      report.action = 'left (committed meanwhile)';
      return;
    }
    report.action = 'failed';
    report.message = err instanceof Error ? err.message : String(err);
  }
}
