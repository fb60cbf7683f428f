import type { CronSchedule } from './cron.ts';

/**
 * Recovery-point objective of a schedule (pure). The recovery point is the start of the newest
 * Completed backup: BREACHED once it is older than the objective; AT_RISK when it will be before
 * the next run can complete (the schedule is paused, has no next run, or its next run plus the last
 * run's duration ends after the deadline), or when no backup has completed yet but the objective has
 * not passed since tracking began; OK otherwise.
 */
export type RpoState = 'OK' | 'AT_RISK' | 'BREACHED';

export interface RpoInput {
  objectiveMs: number;
  now: Date;
  /** Start of the newest Completed backup. */
  lastSuccessful: Date | undefined;
  nextRun: Date | undefined;
  paused: boolean;
  /** Duration of the last run, as an estimate of the next one (default 0). */
  expectedDurationMs?: number | undefined;
  /** When the schedule started being tracked (first expected run, or server start). */
  trackingSince?: Date | undefined;
}

export interface RpoStatus {
  state: RpoState;
  objectiveSeconds: number;
  /** Age of the recovery point; undefined without a Completed backup. */
  ageSeconds: number | undefined;
  /** When the objective is (or was) exceeded. */
  deadline: string | undefined;
  reason: string;
}

export function rpoStatus(input: RpoInput): RpoStatus {
  const { objectiveMs, now } = input;
  const objectiveSeconds = Math.round(objectiveMs / 1000);
  if (input.lastSuccessful === undefined) {
    const since = input.trackingSince ?? now;
    const deadline = new Date(since.getTime() + objectiveMs);
    const breached = deadline.getTime() <= now.getTime();
    return {
      state: breached ? 'BREACHED' : 'AT_RISK',
      objectiveSeconds,
      ageSeconds: undefined,
      deadline: deadline.toISOString(),
      reason: 'no Completed backup yet',
    };
  }
  const ageMs = now.getTime() - input.lastSuccessful.getTime();
  const deadline = new Date(input.lastSuccessful.getTime() + objectiveMs);
  const base = {
    objectiveSeconds,
    ageSeconds: Math.max(0, Math.round(ageMs / 1000)),
    deadline: deadline.toISOString(),
  };
  if (ageMs > objectiveMs)
    return { ...base, state: 'BREACHED', reason: `newest Completed backup is older than the objective` };
  if (input.paused) return { ...base, state: 'AT_RISK', reason: 'schedule is paused' };
  if (input.nextRun === undefined) return { ...base, state: 'AT_RISK', reason: 'schedule has no next run' };
  const expectedEnd = input.nextRun.getTime() + (input.expectedDurationMs ?? 0);
  if (expectedEnd > deadline.getTime())
    return { ...base, state: 'AT_RISK', reason: 'the next run would complete after the objective' };
  return { ...base, state: 'OK', reason: 'within the objective' };
}

/** Without an explicit objective: twice the schedule's interval (two runs in a row may fail). */
export function defaultObjectiveMs(cron: CronSchedule, now: Date): number {
  const [a, b] = cron.nextRuns(2, now);
  if (a === undefined || b === undefined) return 24 * 3_600_000;
  return 2 * (b.getTime() - a.getTime());
}

export interface RunRecord {
  started: Date;
  phase: string | undefined;
}

export interface MissedRun {
  /** When the run was due. */
  due: string;
  reason: 'not run' | 'failed';
}

/**
 * Due runs (oldest first) without a backup that started between the due time (less a second) and
 * the next due time: 'failed' when only Failed backups are there, 'not run' when nothing is.
 */
export function missedRuns(due: readonly Date[], runs: readonly RunRecord[], now: Date): MissedRun[] {
  const out: MissedRun[] = [];
  due.forEach((t, i) => {
    const from = t.getTime() - 1000;
    const to = (due[i + 1] ?? now).getTime();
    const inWindow = runs.filter((r) => r.started.getTime() >= from && r.started.getTime() < to);
    if (inWindow.some((r) => r.phase === 'Completed' || r.phase === 'PartiallyFailed')) return;
    out.push({ due: t.toISOString(), reason: inWindow.length > 0 ? 'failed' : 'not run' });
  });
  return out;
}

/**
 * catch-up `latest`: the newest due run (at or before now) has no run that started at or after it,
 * so one backup is taken now (however many were missed). `none` never catches up (Velero's way).
 */
export function catchUpDue(
  cron: CronSchedule,
  lastRunStart: Date | undefined,
  now: Date,
  policy: 'latest' | 'none',
): boolean {
  if (policy === 'none') return false;
  const from = lastRunStart ?? new Date(now.getTime() - 366 * 86_400_000);
  const due = cron.between(from, now, 1)[0];
  return due !== undefined && (lastRunStart === undefined || lastRunStart.getTime() < due.getTime() - 1000);
}
