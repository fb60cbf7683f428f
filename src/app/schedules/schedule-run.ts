import { dirname } from 'node:path';
import { configFilePath, loadConfig } from '../../config/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import { openLocation } from '../deps/index.ts';
import { profileExtension, readScheduleAttachments, type Attachment } from '../profile/index.ts';
import { runBackup, type BackupDeps, type BackupRunResult } from '../backup/run-backup.ts';
import { type ClusterSlot, findSchedule, scheduleBackupRequest, type Schedule } from './schedule.ts';
import { writeFailedRecord } from '../sync/sync-recovery.ts';
import { nullObject } from '../../model/index.ts';

export interface ScheduleRunOptions {
  configPath: string | undefined;
  kube: KubeTarget;
  logger: Logger;
  signal?: AbortSignal | undefined;
  onEvent?: BackupDeps['onEvent'];
  /** Default: the cluster profile, with the schedule's attachments (as `backup create` stores it). */
  extensions?: BackupDeps['extensions'];
  /** Attachments given for this run (`--attach`), replacing the schedule's of the same kind. */
  attachments?: readonly Attachment[];
  /** Default: now. */
  at?: Date;
  /** lifeboat's namespace, where the node agents take pod volume work (default lifeboat). */
  podVolumeNamespace?: string | undefined;
  /** A cluster of the fleet's slot (`kube` is then that cluster's): backed up under its prefix. */
  cluster?: ClusterSlot | undefined;
}

export interface ScheduleRunResult extends BackupRunResult {
  /** True when the run failed before a backup was stored and a Failed record was written for it. */
  recordedFailure: boolean;
}

/**
 * Runs one backup of a schedule now (`backup create --from-schedule`, or the server's scheduler).
 * A run that throws — interrupted, cluster unreachable, store failure — is recorded as a Failed
 * backup with the reason (when the location can still be written), so it is never silently lost
 * and never left looking in progress.
 */
export async function runScheduleBackup(
  schedule: Schedule,
  options: ScheduleRunOptions,
): Promise<ScheduleRunResult> {
  const at = options.at ?? new Date();
  const request = scheduleBackupRequest(schedule, at, options);
  try {
    const extensions = options.extensions ?? [await scheduleProfile(schedule, options, at)];
    const result = await runBackup(request, {
      logger: options.logger,
      signal: options.signal,
      onEvent: options.onEvent,
      extensions,
    });
    return { ...result, recordedFailure: false };
  } catch (err) {
    if (
      err instanceof LifeboatError &&
      (err.code === 'ALREADY_EXISTS' || err.code === 'USAGE' || err.code === 'CONFIG')
    )
      throw err;
    const message = err instanceof Error ? err.message : String(err);
    const reason =
      err instanceof LifeboatError && err.code === 'INTERRUPTED'
        ? `interrupted: ${reasonOf(options.signal)}`
        : message;
    let opened;
    try {
      opened = await openLocation(
        options.configPath,
        request.storageLocation,
        options.logger,
        request.cluster,
      );
    } catch {
      throw err;
    }
    try {
      const record = await writeFailedRecord(opened.backupStore, {
        name: request.name,
        location: opened.location.name,
        schedule: schedule.name,
        ttl: request.ttl,
        started: at,
        reason,
        labels: request.labels,
        // Nothing of the run is stored: take the name first, so another cluster's backup of the
        // same name is never given this record.
        claim: true,
      });
      options.logger.error(
        { backup: request.name, err },
        `scheduled backup ${request.name} failed: ${reason}`,
      );
      return {
        name: request.name,
        phase: 'Failed',
        location: opened.location.name,
        itemsBackedUp: 0,
        errors: 1,
        warnings: 0,
        failureReason: reason,
        counts: nullObject(),
        startTimestamp: at.toISOString(),
        completionTimestamp: (record.completed ?? new Date()).toISOString(),
        expiration: (record.expiration ?? at).toISOString(),
        recordedFailure: true,
      };
    } catch (recordErr) {
      options.logger.error({ err: recordErr }, `could not record the failed backup ${request.name}`);
      throw err;
    } finally {
      await opened.close();
    }
  }
}

/** The profile extension with the schedule's attachments; their problems become the backup's warnings and errors. */
async function scheduleProfile(schedule: Schedule, options: ScheduleRunOptions, at: Date) {
  const { attachments, errors } = await readScheduleAttachments(
    schedule.attachments ?? [],
    dirname(configFilePath(options.configPath)),
    options.logger,
    options.attachments,
    at,
  );
  return profileExtension(attachments, errors);
}

function reasonOf(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'stopped before the backup finished';
}

/** `backup create --from-schedule NAME`: the schedule's backup, now. */
export async function runScheduleNow(name: string, options: ScheduleRunOptions): Promise<ScheduleRunResult> {
  const schedule = findSchedule(await loadConfig(options.configPath), name);
  return runScheduleBackup(schedule, options);
}
