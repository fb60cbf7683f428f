import { type BackupRecord, configuredLocations, recoverOrphans } from '../app/sync/index.ts';
import type { BackupRunResult } from '../app/backup/index.ts';
import { LifeboatError } from '../errors/index.ts';
import { parseScheduleBackupName } from '../schedule/index.ts';
import type { ServerContext } from './context.ts';
import type { Job } from './scheduler.ts';

/** Metrics and the index after a run: counts, duration, items, last success. */
export function recordRun(
  ctx: ServerContext,
  job: Job,
  result: BackupRunResult | undefined,
  err: unknown,
  durationMs: number,
): void {
  const schedule = job.schedule ?? '';
  const m = ctx.metrics;
  const cluster = job.cluster === undefined ? {} : { cluster: job.cluster };
  if (
    result === undefined &&
    job.cluster !== undefined &&
    err instanceof LifeboatError &&
    err.code === 'ALREADY_EXISTS'
  ) {
    // Another replica stored this slot first (between the check and the claim): not run twice.
    m.backupTotal.inc({ schedule, status: 'Skipped', ...cluster });
    ctx.logger.info({ schedule, cluster: job.cluster }, `slot not run here: ${err.message}`);
    return;
  }
  m.backupTotal.inc({ schedule, status: result?.phase ?? 'Failed', ...cluster });
  m.backupDuration.observe({ schedule }, durationMs / 1000);
  if (result === undefined) {
    m.storeRequestErrors.inc({ location: job.location, operation: 'backup' });
    ctx.logger.error({ err, schedule }, `backup run failed and could not be recorded: ${String(err)}`);
    return;
  }
  m.backupItems.set({ schedule }, result.itemsBackedUp);
  if (result.phase === 'Completed')
    m.lastSuccessfulTimestamp.set({ schedule, ...cluster }, Date.parse(result.completionTimestamp) / 1000);
  const record: BackupRecord = {
    name: result.name,
    location: result.location,
    schedule: job.schedule,
    cluster: result.cluster,
    phase: result.phase,
    started: new Date(result.startTimestamp),
    completed: new Date(result.completionTimestamp),
    expiration: new Date(result.expiration),
    items: result.itemsBackedUp,
    errors: result.errors,
    warnings: result.warnings,
    failureReason: result.failureReason,
  };
  if (job.cluster === undefined) ctx.index.put(record);
  else ctx.fleet.index.put(job.cluster, record);
  ctx.logger.info(
    { backup: result.name, phase: result.phase, items: result.itemsBackedUp },
    `backup ${result.name} ${result.phase}`,
  );
}

/** Crash recovery on every ReadWrite location: unfinished backup folders are marked Failed. */
export async function recoverAll(ctx: ServerContext, olderThanMs: number): Promise<void> {
  const config = ctx.config();
  const running = new Set(ctx.scheduler.active().map((r) => r.name));
  const schedules = config.schedules ?? [];
  for (const location of configuredLocations(config)) {
    if (location.accessMode === 'ReadOnly') continue;
    try {
      const reports = await recoverOrphans({
        configPath: ctx.configPath,
        location,
        logger: ctx.logger,
        running,
        cluster: ctx.cluster(),
        olderThanMs,
        scheduleOf: (name) => schedules.find((s) => parseScheduleBackupName(s.name, name) !== undefined),
      });
      if (reports.some((r) => r.action === 'marked Failed')) await ctx.index.syncLocation(location);
    } catch (err) {
      ctx.metrics.storeRequestErrors.inc({ location: location.name, operation: 'recovery' });
      ctx.logger.warn(
        { err, location: location.name },
        `crash recovery in ${location.name} failed: ${String(err)}`,
      );
    }
  }
}
