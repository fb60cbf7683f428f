import type { Logger } from '../log/index.ts';
import type { Schedule } from '../app/schedules/index.ts';
import type { BackupRunResult } from '../app/backup/index.ts';
import { catchUpDue, type CronSchedule, scheduleBackupName, scheduleCron } from '../schedule/index.ts';

/** A backup to run: a schedule's, or an ad-hoc one from the API. */
export interface Job {
  /** The schedule's name, or undefined for an ad-hoc backup. */
  schedule: string | undefined;
  location: string;
  name: (at: Date) => string;
  run: (at: Date, signal: AbortSignal) => Promise<BackupRunResult>;
}

/** One run in progress (or waiting for its location's slot). */
export interface ActiveRun {
  schedule: string | undefined;
  location: string;
  name: string;
  state: 'waiting' | 'running';
  started: Date;
  controller: AbortController;
}

export interface SkippedRun {
  schedule: string;
  due: string;
  reason: string;
}

export interface SchedulerDeps {
  logger: Logger;
  schedules: () => readonly Schedule[];
  locationOf: (schedule: Schedule) => string;
  /** Start of the newest backup of the schedule in the store (any phase), for catch-up. */
  lastRunStart: (schedule: Schedule) => Date | undefined;
  run: (schedule: Schedule, at: Date, signal: AbortSignal) => Promise<BackupRunResult>;
  onResult: (job: Job, result: BackupRunResult | undefined, err: unknown, durationMs: number) => void;
  onSkipped: (skipped: SkippedRun) => void;
  /** Concurrent backups per location (default 1). */
  maxPerLocation: number;
  now?: () => Date;
}

interface Slot {
  signature: string;
  cron: CronSchedule;
  next: Date | undefined;
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
  readonly #slots = new Map<string, Slot>();
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

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#slots.clear();
    const now = this.#now();
    for (const s of this.#d.schedules()) {
      const slot = this.#slot(s, now);
      if (slot === undefined || s.paused === true) continue;
      if (catchUpDue(slot.cron, this.#d.lastRunStart(s), now, s.catchUp ?? 'latest')) {
        this.#d.logger.info(
          { schedule: s.name },
          `schedule ${s.name}: a run was missed, running it now (catch-up)`,
        );
        this.trigger(s, now);
      }
    }
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
    for (const run of this.#active.values()) run.controller.abort(new Error(reason));
  }

  #slot(s: Schedule, now: Date): Slot | undefined {
    const signature = `${s.schedule}|${s.timezone ?? ''}`;
    const known = this.#slots.get(s.name);
    if (known?.signature === signature) return known;
    try {
      const cron = scheduleCron(s);
      const slot = { signature, cron, next: cron.next(now) };
      this.#slots.set(s.name, slot);
      return slot;
    } catch (err) {
      if (known === undefined || known.signature !== signature)
        this.#d.logger.error({ schedule: s.name, err }, `schedule ${s.name} is invalid and does not run`);
      this.#slots.delete(s.name);
      return undefined;
    }
  }

  #tick(): void {
    const now = this.#now();
    this.#lastTick = Date.now();
    const schedules = this.#d.schedules();
    for (const name of this.#slots.keys())
      if (!schedules.some((s) => s.name === name)) this.#slots.delete(name);
    for (const s of schedules) {
      const slot = this.#slot(s, now);
      if (slot?.next === undefined || slot.next > now) continue;
      const due = slot.next;
      slot.next = slot.cron.next(now);
      if (s.paused !== true) this.trigger(s, due);
    }
  }

  /** Starts a run of the schedule for the due time (or skips it when its previous run is still on). */
  trigger(s: Schedule, due: Date): { started: boolean; name?: string; reason?: string } {
    const key = `schedule/${s.name}`;
    const previous = this.#active.get(key);
    if (previous !== undefined) {
      const reason = `the previous run (${previous.name}) is still in progress`;
      this.#d.logger.warn(
        { schedule: s.name },
        `schedule ${s.name}: run due ${due.toISOString()} skipped: ${reason}`,
      );
      this.#d.onSkipped({ schedule: s.name, due: due.toISOString(), reason });
      return { started: false, reason };
    }
    const job: Job = {
      schedule: s.name,
      location: this.#d.locationOf(s),
      name: (at) => scheduleBackupName(s.name, at),
      run: (at, signal) => this.#d.run(s, at, signal),
    };
    return { started: true, name: this.submit(key, job) };
  }

  /** Runs a job once its location has a free slot; returns the backup's name. */
  submit(key: string, job: Job): string {
    const started = this.#now();
    const run: ActiveRun = {
      schedule: job.schedule,
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
    while (this.#busy(run.location) >= this.#d.maxPerLocation) {
      if (run.controller.signal.aborted) return;
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    run.state = 'running';
    const t0 = Date.now();
    try {
      const result = await job.run(run.started, run.controller.signal);
      this.#d.onResult(job, result, undefined, Date.now() - t0);
    } catch (err) {
      this.#d.logger.error({ backup: run.name, err }, `backup ${run.name} failed: ${String(err)}`);
      this.#d.onResult(job, undefined, err, Date.now() - t0);
    }
  }

  #busy(location: string): number {
    return [...this.#active.values()].filter((r) => r.location === location && r.state === 'running').length;
  }
}
