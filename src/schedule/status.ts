import { LifeboatError } from '../errors/index.ts';
import { parseDuration } from '../gojson/index.ts';
import { parseCron, type CronSchedule } from './cron.ts';
import { defaultObjectiveMs, missedRuns, rpoStatus, type MissedRun, type RpoStatus } from './rpo.ts';

/** The fields of a schedule the status needs (the config schema's Schedule fits). */
export interface ScheduleLike {
  name: string;
  schedule: string;
  timezone?: string | undefined;
  paused?: boolean | undefined;
  rpo?: string | undefined;
}

/** A backup of the schedule as listed from its location. */
export interface ScheduleBackup {
  name: string;
  phase: string | undefined;
  started: Date | undefined;
  completed: Date | undefined;
}

export interface ScheduleStatus {
  name: string;
  schedule: string;
  timezone: string;
  paused: boolean;
  nextRuns: string[];
  lastBackup: { name: string; phase: string | undefined; started: string } | undefined;
  lastSuccessful: { name: string; started: string; completed: string | undefined } | undefined;
  rpo: RpoStatus;
  missedRuns: MissedRun[];
}

export interface StatusOptions {
  /** Since when missed runs count when the schedule has no backup (e.g. the server's start). */
  trackingSince?: Date | undefined;
  nextRunCount?: number;
  /** A due run younger than this is not yet missed (default 60 s). */
  settleMs?: number;
}

/** Parses the schedule's cron, USAGE error naming the schedule when it is invalid. */
export function scheduleCron(s: ScheduleLike): CronSchedule {
  try {
    return parseCron(s.schedule, s.timezone);
  } catch (err) {
    if (err instanceof LifeboatError)
      throw new LifeboatError(err.code, `schedule ${s.name}: ${err.message}`, { hint: err.hint });
    throw err;
  }
}

export function objectiveMs(s: ScheduleLike, cron: CronSchedule, now: Date): number {
  return s.rpo !== undefined ? parseDuration(s.rpo, 'rpo') : defaultObjectiveMs(cron, now);
}

const MISSED_LIMIT = 20;

export function scheduleStatus(
  s: ScheduleLike,
  backups: readonly ScheduleBackup[],
  now: Date,
  options: StatusOptions = {},
): ScheduleStatus {
  const cron = scheduleCron(s);
  const dated = backups
    .filter((b): b is ScheduleBackup & { started: Date } => b.started !== undefined)
    .sort((a, b) => b.started.getTime() - a.started.getTime());
  const last = dated[0];
  const good = dated.find((b) => b.phase === 'Completed');
  const paused = s.paused === true;
  const nextRuns = paused ? [] : cron.nextRuns(options.nextRunCount ?? 3, now);
  const durations = dated.filter((b) => b.completed !== undefined);
  const lastDuration = durations[0];
  const oldest = dated.at(-1)?.started;
  const since = oldest !== undefined ? new Date(oldest.getTime() - 1000) : options.trackingSince;
  const settled = new Date(now.getTime() - (options.settleMs ?? 60_000));
  const due = since === undefined || paused ? [] : cron.between(since, settled, MISSED_LIMIT);
  return {
    name: s.name,
    schedule: s.schedule,
    timezone: cron.timeZone,
    paused,
    nextRuns: nextRuns.map((d) => d.toISOString()),
    lastBackup: last && { name: last.name, phase: last.phase, started: last.started.toISOString() },
    lastSuccessful: good && {
      name: good.name,
      started: good.started.toISOString(),
      completed: good.completed?.toISOString(),
    },
    rpo: rpoStatus({
      objectiveMs: objectiveMs(s, cron, now),
      now,
      lastSuccessful: good?.started,
      nextRun: nextRuns[0],
      paused,
      expectedDurationMs:
        lastDuration === undefined
          ? undefined
          : (lastDuration.completed?.getTime() ?? 0) - lastDuration.started.getTime(),
      trackingSince: options.trackingSince ?? oldest,
    }),
    missedRuns: missedRuns(
      due,
      dated.map((b) => ({ started: b.started, phase: b.phase })),
      now,
    ),
  };
}
