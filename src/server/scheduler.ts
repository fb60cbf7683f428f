import type { Logger } from '../log/index.ts';
import type { Schedule } from '../app/schedules/index.ts';
import type { BackupRunResult } from '../app/backup/index.ts';
import {
  catchUpDue,
  clusterScheduleBackupName,
  type CronSchedule,
  CronSlots,
  scheduleBackupName,
} from '../schedule/index.ts';

/** A backup to run: a schedule's (for the server's own cluster or one of the fleet), or an ad-hoc one from the API. */
export interface Job {
  /** The schedule's name, or undefined for an ad-hoc backup. */
  schedule: string | undefined;
  /** The cluster of the fleet it backs up (undefined: the server's own cluster). */
  cluster?: string | undefined;
  /** What it waits on for a free slot: its location, or the cluster it backs up. */
  location: string;
  name: (at: Date) => string;
  run: (at: Date, signal: AbortSignal) => Promise<BackupRunResult>;
  /** Checked once it may start: a reason not to run it (the slot is already stored, the cluster is no longer ours). */
  check?: (name: string) => Promise<string | undefined>;
  /** Aborted after this long (a slow cluster never holds a slot for ever). */
  timeoutMs?: number | undefined;
  /** The slot it runs (a schedule's due time). */
  due?: Date | undefined;
}

/** One run in progress (or waiting for its location's slot). */
export interface ActiveRun {
  schedule: string | undefined;
  cluster: string | undefined;
  location: string;
  name: string;
  state: 'waiting' | 'running';
  started: Date;
  controller: AbortController;
}

export interface SkippedRun {
  schedule: string;
  cluster?: string | undefined;
  due: string;
  reason: string;
}

/** What the scheduler runs: a schedule for the server's own cluster, or one (schedule, cluster) of the fleet. */
export interface ScheduleUnit {
  schedule: Schedule;
  cluster: string | undefined;
}

export const unitKey = (u: { schedule: { name: string }; cluster: string | undefined }): string =>
  u.cluster === undefined ? `schedule/${u.schedule.name}` : `schedule/${u.schedule.name}/${u.cluster}`;

export interface SchedulerDeps {
  logger: Logger;
  /** What may run now: the schedules this replica leads, and the (schedule, cluster) pairs of the clusters it owns. */
  units: () => readonly ScheduleUnit[];
  /** The concurrency slot a unit waits on: its location, or its cluster. */
  locationOf: (unit: ScheduleUnit) => string;
  /** Start of the newest backup of the unit in the store (any phase), for catch-up. */
  lastRunStart: (unit: ScheduleUnit) => Date | undefined;
  run: (unit: ScheduleUnit, due: Date, at: Date, signal: AbortSignal) => Promise<BackupRunResult>;
  /** A fleet cluster's slot, before it runs: a reason to skip it (see Job.check). */
  checkSlot?: (unit: ScheduleUnit, name: string) => Promise<string | undefined>;
  onResult: (job: Job, result: BackupRunResult | undefined, err: unknown, durationMs: number) => void;
  onSkipped: (skipped: SkippedRun) => void;
  /** Concurrent backups per location (default 1); for fleet clusters, per cluster. */
  maxPerLocation: number;
  /** Concurrent backups of fleet clusters in all (memory is per run). */
  maxClusterRuns?: number;
  /** A fleet cluster's run is aborted after this long. */
  clusterRunTimeoutMs?: number;
  now?: () => Date;
}

const TICK_MS = 250;

/**
 * Runs the schedules: each fires at its cron times; a run that would overlap the schedule's previous
 * one is skipped and reported (never queued up); at most `maxPerLocation` backups write to one
 * location at a time, others wait for a slot. On start, a schedule whose newest due run was missed
 * runs once (catch-up `latest`). stop() starts no new run; drain() lets running ones finish within
 * a grace period, then aborts them.
 */
export class Scheduler {
  readonly #d: SchedulerDeps;
  readonly #slots = new CronSlots();
  readonly #active = new Map<string, ActiveRun>();
  readonly #promises = new Map<string, Promise<void>>();
  readonly #waiters: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastTick = 0;
  #running = false;

  constructor(deps: SchedulerDeps) {
    this.#d = deps;
  }

  #now(): Date {
    return this.#d.now?.() ?? new Date();
  }

  /** Time of the last scheduling pass (for the liveness probe). */
  get lastTick(): number {
    return this.#lastTick;
  }

  get running(): boolean {
    return this.#running;
  }

  active(): ActiveRun[] {
    return [...this.#active.values()];
  }

  /** Starts the loop; each unit's first pass catches up a missed run (catch-up `latest`). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#slots.clear();
    const loop = () => {
      this.#tick();
      if (this.#running) this.#timer = setTimeout(loop, TICK_MS);
    };
    loop();
  }

  /** No new runs from now on (running ones continue). */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  /** Waits up to graceMs for running backups, then aborts the rest with `reason` and waits for them. */
  async drain(graceMs: number, reason: string): Promise<void> {
    this.stop();
    const all = () => Promise.all([...this.#promises.values()]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all().then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) this.abortAll(reason);
    await all();
  }

  abortAll(reason: string): void {
    this.abort(() => true, reason);
  }

  /** Aborts the runs (waiting or running) the filter picks. */
  abort(filter: (run: ActiveRun) => boolean, reason: string): void {
    for (const run of this.#active.values()) if (filter(run)) run.controller.abort(new Error(reason));
  }

  #tick(): void {
    const now = this.#now();
    this.#lastTick = Date.now();
    const units = this.#d.units();
    this.#slots.keepOnly(new Set(units.map(unitKey)));
    for (const unit of units) {
      const s = unit.schedule;
      const invalid = (err: unknown) =>
        this.#d.logger.error({ schedule: s.name, err }, `schedule ${s.name} is invalid and does not run`);
      const pass = this.#slots.pass(unitKey(unit), s, now, invalid);
      if (pass === undefined || s.paused === true) continue;
      if (pass.learnt === 'first') this.#catchUp(unit, pass.cron, now);
      else {
        const due = pass.takeDue();
        if (due !== undefined) this.trigger(s, due, unit.cluster);
      }
    }
  }

  /**
   * A unit seen for the first time (the server started, became leader, or took a cluster over):
   * its newest due run is run now if it has no backup since (catch-up `latest`). A fleet cluster's
   * catch-up is that slot itself (its name), so a slot another replica ran is not run again.
   */
  #catchUp(unit: ScheduleUnit, cron: CronSchedule, now: Date): void {
    const s = unit.schedule;
    if (!catchUpDue(cron, this.#d.lastRunStart(unit), now, s.catchUp ?? 'latest')) return;
    const missed = cron.between(new Date(now.getTime() - 366 * 86_400_000), now, 1)[0] ?? now;
    const of = unit.cluster === undefined ? '' : ` for cluster ${unit.cluster}`;
    this.#d.logger.info(
      { schedule: s.name, cluster: unit.cluster },
      `schedule ${s.name}${of}: a run was missed, running it now (catch-up)`,
    );
    this.trigger(s, unit.cluster === undefined ? now : missed, unit.cluster);
  }

  /** Starts a run of the schedule (for a fleet cluster) for the due time, or skips it when its previous run is still on. */
  trigger(s: Schedule, due: Date, cluster?: string): { started: boolean; name?: string; reason?: string } {
    const unit: ScheduleUnit = { schedule: s, cluster };
    const key = unitKey(unit);
    const previous = this.#active.get(key);
    if (previous !== undefined) {
      const reason = `the previous run (${previous.name}) is still in progress`;
      const of = cluster === undefined ? '' : ` for cluster ${cluster}`;
      this.#d.logger.warn(
        { schedule: s.name, cluster },
        `schedule ${s.name}${of}: run due ${due.toISOString()} skipped: ${reason}`,
      );
      this.#d.onSkipped({ schedule: s.name, cluster, due: due.toISOString(), reason });
      return { started: false, reason };
    }
    const check = this.#d.checkSlot;
    const job: Job = {
      schedule: s.name,
      cluster,
      location: this.#d.locationOf(unit),
      name: (at) =>
        cluster === undefined
          ? scheduleBackupName(s.name, at)
          : clusterScheduleBackupName(s.name, cluster, due),
      run: (at, signal) => this.#d.run(unit, due, at, signal),
      check: cluster === undefined || check === undefined ? undefined : (name) => check(unit, name),
      timeoutMs: cluster === undefined ? undefined : this.#d.clusterRunTimeoutMs,
      due,
    };
    return { started: true, name: this.submit(key, job) };
  }

  /** Runs a job once its location has a free slot; returns the backup's name. */
  submit(key: string, job: Job): string {
    const started = this.#now();
    const run: ActiveRun = {
      schedule: job.schedule,
      cluster: job.cluster,
      location: job.location,
      name: job.name(started),
      state: 'waiting',
      started,
      controller: new AbortController(),
    };
    this.#active.set(key, run);
    const promise = this.#execute(job, run).finally(() => {
      this.#active.delete(key);
      this.#promises.delete(key);
      this.#waiters.splice(0).forEach((w) => w());
    });
    this.#promises.set(key, promise);
    return run.name;
  }

  isActive(key: string): boolean {
    return this.#active.has(key);
  }

  async #execute(job: Job, run: ActiveRun): Promise<void> {
    while (!this.#mayRun(run)) {
      if (run.controller.signal.aborted) return;
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    run.state = 'running';
    const skip = await job.check?.(run.name).catch((err: unknown) => `cannot check the slot: ${String(err)}`);
    if (skip !== undefined) {
      this.#d.logger.info({ backup: run.name, cluster: job.cluster }, `backup ${run.name} not run: ${skip}`);
      this.#d.onSkipped({
        schedule: job.schedule ?? '',
        cluster: job.cluster,
        due: (job.due ?? run.started).toISOString(),
        reason: skip,
      });
      return;
    }
    const t0 = Date.now();
    const limit = job.timeoutMs;
    const timer =
      limit === undefined
        ? undefined
        : setTimeout(() => run.controller.abort(new Error(`timed out after ${limit / 1000}s`)), limit);
    try {
      const result = await job.run(run.started, run.controller.signal);
      this.#d.onResult(job, result, undefined, Date.now() - t0);
    } catch (err) {
      this.#d.logger.error({ backup: run.name, err }, `backup ${run.name} failed: ${String(err)}`);
      this.#d.onResult(job, undefined, err, Date.now() - t0);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A free slot in its location (or cluster), and for a fleet cluster one of the fleet's slots. */
  #mayRun(run: ActiveRun): boolean {
    const running = [...this.#active.values()].filter((r) => r.state === 'running');
    if (running.filter((r) => r.location === run.location).length >= this.#d.maxPerLocation) return false;
    const cap = this.#d.maxClusterRuns;
    return (
      run.cluster === undefined ||
      cap === undefined ||
      running.filter((r) => r.cluster !== undefined).length < cap
    );
  }
}
