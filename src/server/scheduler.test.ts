import { describe, expect, it } from 'vitest';
import type { BackupRunResult } from '../app/backup/index.ts';
import type { Schedule } from '../app/schedules/index.ts';
import { silentLogger } from '../log/index.ts';
import { Scheduler, type SchedulerDeps, type SkippedRun } from './scheduler.ts';

const result = (name: string, phase: BackupRunResult['phase'] = 'Completed'): BackupRunResult => ({
  name,
  phase,
  location: 'l',
  itemsBackedUp: 1,
  errors: 0,
  warnings: 0,
  counts: {},
  startTimestamp: new Date().toISOString(),
  completionTimestamp: new Date().toISOString(),
  expiration: new Date().toISOString(),
});

function harness(schedules: Schedule[], overrides: Partial<SchedulerDeps> = {}) {
  const skipped: SkippedRun[] = [];
  const finished: string[] = [];
  const gates = new Map<string, () => void>();
  const started: string[] = [];
  const scheduler = new Scheduler({
    logger: silentLogger(),
    units: () => schedules.map((schedule) => ({ schedule, cluster: undefined })),
    locationOf: ({ schedule: s }) => s.storageLocation ?? 'l',
    lastRunStart: () => new Date(),
    run: ({ schedule: s }, _due, at, signal) =>
      new Promise((resolve, reject) => {
        started.push(s.name);
        gates.set(s.name, () => resolve(result(`${s.name}-${at.getTime()}`)));
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
    onResult: (job, r) => finished.push(`${job.schedule ?? ''}:${r?.phase ?? 'error'}`),
    onSkipped: (k) => skipped.push(k),
    maxPerLocation: 1,
    ...overrides,
  });
  return { scheduler, skipped, finished, gates, started };
}

const flush = () => new Promise((r) => setTimeout(r, 5));
const sched = (name: string, location = 'l'): Schedule => ({
  name,
  schedule: '0 0 1 1 *',
  storageLocation: location,
});

describe('Scheduler', () => {
  it('skips and reports a run that overlaps the previous one of the same schedule', async () => {
    const h = harness([sched('a')]);
    expect(h.scheduler.trigger(sched('a'), new Date()).started).toBe(true);
    const second = h.scheduler.trigger(sched('a'), new Date('2025-01-01T00:00:00Z'));
    expect(second).toMatchObject({ started: false });
    expect(h.skipped).toEqual([
      expect.objectContaining({
        schedule: 'a',
        due: '2025-01-01T00:00:00.000Z',
        reason: expect.stringMatching(/still in progress/) as string,
      }),
    ]);
    await flush();
    h.gates.get('a')?.();
    await flush();
    expect(h.finished).toEqual(['a:Completed']);
    expect(h.scheduler.trigger(sched('a'), new Date()).started).toBe(true);
  });

  it('runs one backup per location at a time; other locations are not held up', async () => {
    const h = harness([sched('a'), sched('b'), sched('c', 'other')]);
    for (const s of [sched('a'), sched('b'), sched('c', 'other')]) h.scheduler.trigger(s, new Date());
    await flush();
    expect(h.started.sort()).toEqual(['a', 'c']);
    expect(h.scheduler.active().find((r) => r.schedule === 'b')?.state).toBe('waiting');
    h.gates.get('a')?.();
    await flush();
    await flush();
    expect(h.started).toContain('b');
  });

  it('drain waits for running backups within the grace period, then aborts them', async () => {
    const h = harness([sched('a')]);
    h.scheduler.trigger(sched('a'), new Date());
    await flush();
    const t0 = Date.now();
    await h.scheduler.drain(50, 'interrupted: test');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(h.finished).toEqual(['a:error']);
    expect(h.scheduler.running).toBe(false);
  });

  it('catches up a missed run on start (latest), not with none, and never while paused', async () => {
    const every = (name: string, extra: Partial<Schedule> = {}): Schedule => ({
      name,
      schedule: '0 * * * *',
      ...extra,
    });
    const schedules = [every('late'), every('none', { catchUp: 'none' }), every('paused', { paused: true })];
    const h = harness(schedules, { lastRunStart: () => new Date(Date.now() - 3 * 3_600_000) });
    h.scheduler.start();
    await flush();
    h.scheduler.stop();
    expect(h.started).toEqual(['late']);
    h.scheduler.abortAll('done');
  });

  it('runs each fleet cluster in its own slot, names the slot by its due time, and skips a stored slot', async () => {
    const unit = (cluster: string) => ({ schedule: sched('fleet'), cluster });
    const ran: string[] = [];
    const gates: (() => void)[] = [];
    const skipped: SkippedRun[] = [];
    const scheduler = new Scheduler({
      logger: silentLogger(),
      units: () => [unit('a'), unit('b'), unit('stored')],
      locationOf: (u) => `cluster/${u.cluster ?? ''}`,
      lastRunStart: () => undefined,
      run: (u, due) =>
        new Promise((resolve) => {
          ran.push(`${u.cluster ?? ''}@${due.toISOString()}`);
          gates.push(() => resolve(result('x')));
        }),
      checkSlot: (u, name) =>
        Promise.resolve(u.cluster === 'stored' ? `its backup ${name} is already stored` : undefined),
      onResult: () => undefined,
      onSkipped: (k) => skipped.push(k),
      maxPerLocation: 1,
      maxClusterRuns: 4,
    });
    const due = new Date('2025-06-01T10:20:00Z');
    for (const c of ['a', 'b', 'stored']) scheduler.trigger(sched('fleet'), due, c);
    expect(scheduler.active().map((r) => r.name)).toEqual([
      'fleet-a-20250601102000',
      'fleet-b-20250601102000',
      'fleet-stored-20250601102000',
    ]);
    await flush();
    // a slow cluster (a never finishes here) does not hold b up
    expect(ran.sort()).toEqual(['a@2025-06-01T10:20:00.000Z', 'b@2025-06-01T10:20:00.000Z']);
    expect(skipped).toEqual([
      expect.objectContaining({
        cluster: 'stored',
        reason: 'its backup fleet-stored-20250601102000 is already stored',
      }),
    ]);
    // the same cluster's next slot overlaps its running one: skipped, never queued
    expect(scheduler.trigger(sched('fleet'), new Date('2025-06-01T10:40:00Z'), 'a').started).toBe(false);
    gates.forEach((g) => g());
    await flush();
    expect(scheduler.active()).toEqual([]);
  });

  it('catches a taken-over cluster up with its missed slot, by the slot’s name', async () => {
    const ran: string[] = [];
    const scheduler = new Scheduler({
      logger: silentLogger(),
      units: () => [{ schedule: { name: 'hourly', schedule: '0 * * * *' }, cluster: 'c' }],
      locationOf: () => 'cluster/c',
      lastRunStart: () => new Date('2025-06-01T08:00:05Z'),
      run: (_u, due) => (ran.push(due.toISOString()), Promise.resolve(result('x'))),
      onResult: () => undefined,
      onSkipped: () => undefined,
      maxPerLocation: 1,
      now: () => new Date('2025-06-01T10:30:00Z'),
    });
    scheduler.start();
    await flush();
    scheduler.stop();
    expect(ran).toEqual(['2025-06-01T10:00:00.000Z']);
  });
});
