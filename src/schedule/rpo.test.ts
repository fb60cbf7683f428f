import { describe, expect, it } from 'vitest';
import { parseCron } from './cron.ts';
import { catchUpDue, defaultObjectiveMs, missedRuns, rpoStatus, type RpoInput } from './rpo.ts';
import { scheduleStatus } from './status.ts';

const NOW = new Date('2025-06-15T12:00:00Z');
const at = (iso: string) => new Date(iso);
const H = 3_600_000;

describe('rpoStatus', () => {
  const base: RpoInput = {
    objectiveMs: 6 * H,
    now: NOW,
    lastSuccessful: undefined,
    nextRun: undefined,
    paused: false,
  };
  it.each<[string, Partial<RpoInput>, string]>([
    [
      'recent backup, next run in time',
      { lastSuccessful: at('2025-06-15T10:00:00Z'), nextRun: at('2025-06-15T13:00:00Z') },
      'OK',
    ],
    [
      'next run lands after the deadline',
      { lastSuccessful: at('2025-06-15T07:00:00Z'), nextRun: at('2025-06-15T13:30:00Z') },
      'AT_RISK',
    ],
    [
      'expected duration pushes it past the deadline',
      {
        lastSuccessful: at('2025-06-15T07:00:00Z'),
        nextRun: at('2025-06-15T12:30:00Z'),
        expectedDurationMs: H,
      },
      'AT_RISK',
    ],
    [
      'paused',
      { lastSuccessful: at('2025-06-15T11:00:00Z'), nextRun: at('2025-06-15T12:30:00Z'), paused: true },
      'AT_RISK',
    ],
    ['no next run', { lastSuccessful: at('2025-06-15T11:00:00Z') }, 'AT_RISK'],
    [
      'older than the objective',
      { lastSuccessful: at('2025-06-15T05:59:59Z'), nextRun: at('2025-06-15T12:30:00Z') },
      'BREACHED',
    ],
    [
      'no Completed backup, tracking for less than the objective',
      { trackingSince: at('2025-06-15T09:00:00Z') },
      'AT_RISK',
    ],
    [
      'no Completed backup for longer than the objective',
      { trackingSince: at('2025-06-15T05:00:00Z') },
      'BREACHED',
    ],
  ])('%s → %s', (_t, input, state) => {
    expect(rpoStatus({ ...base, ...input }).state).toBe(state);
  });

  it('reports age, objective and deadline', () => {
    const s = rpoStatus({
      ...base,
      lastSuccessful: at('2025-06-15T10:00:00Z'),
      nextRun: at('2025-06-15T13:00:00Z'),
    });
    expect(s).toMatchObject({
      ageSeconds: 7200,
      objectiveSeconds: 21600,
      deadline: '2025-06-15T16:00:00.000Z',
    });
  });

  it('defaults the objective to twice the interval', () => {
    expect(defaultObjectiveMs(parseCron('0 */6 * * *'), NOW)).toBe(12 * H);
    expect(defaultObjectiveMs(parseCron('*/2 * * * * *'), NOW)).toBe(4000);
  });
});

describe('missedRuns', () => {
  const due = [at('2025-06-15T06:00:00Z'), at('2025-06-15T08:00:00Z'), at('2025-06-15T10:00:00Z')];
  it('finds due runs without a backup, and failed ones', () => {
    const runs = [
      { started: at('2025-06-15T06:00:00.200Z'), phase: 'Completed' },
      { started: at('2025-06-15T10:00:01Z'), phase: 'Failed' },
    ];
    expect(missedRuns(due, runs, NOW)).toEqual([
      { due: '2025-06-15T08:00:00.000Z', reason: 'not run' },
      { due: '2025-06-15T10:00:00.000Z', reason: 'failed' },
    ]);
  });
  it('counts a PartiallyFailed run as run, and a late start within the window', () => {
    const runs = [
      { started: at('2025-06-15T06:30:00Z'), phase: 'PartiallyFailed' },
      { started: at('2025-06-15T09:59:00Z'), phase: 'Completed' },
      { started: at('2025-06-15T10:00:00Z'), phase: 'Completed' },
    ];
    expect(missedRuns(due, runs, NOW)).toEqual([]);
  });
});

describe('catchUpDue', () => {
  const hourly = parseCron('0 * * * *');
  it.each<[string, Date | undefined, 'latest' | 'none', boolean]>([
    ['last run before the newest due time', at('2025-06-15T10:00:01Z'), 'latest', true],
    ['last run at the newest due time', at('2025-06-15T12:00:00.300Z'), 'latest', false],
    ['never ran', undefined, 'latest', true],
    ['policy none', at('2025-06-14T00:00:00Z'), 'none', false],
  ])('%s', (_t, last, policy, want) => {
    expect(catchUpDue(hourly, last, new Date('2025-06-15T12:20:00Z'), policy)).toBe(want);
  });
});

describe('scheduleStatus', () => {
  const s = { name: 'hourly', schedule: '0 * * * *', rpo: '3h' };
  const bk = (name: string, started: string, phase = 'Completed') => ({
    name,
    phase,
    started: at(started),
    completed: new Date(at(started).getTime() + 60_000),
  });
  it('puts next runs, last successful backup, RPO and missed runs together', () => {
    const st = scheduleStatus(
      s,
      [bk('hourly-1', '2025-06-15T09:00:01Z'), bk('hourly-2', '2025-06-15T11:00:01Z', 'Failed')],
      at('2025-06-15T11:30:00Z'),
    );
    expect(st.nextRuns[0]).toBe('2025-06-15T12:00:00.000Z');
    expect(st.lastSuccessful?.name).toBe('hourly-1');
    expect(st.lastBackup?.phase).toBe('Failed');
    expect(st.rpo.state).toBe('AT_RISK');
    expect(st.missedRuns).toEqual([
      { due: '2025-06-15T10:00:00.000Z', reason: 'not run' },
      { due: '2025-06-15T11:00:00.000Z', reason: 'failed' },
    ]);
  });
  it('reports no next runs and AT_RISK when paused', () => {
    const st = scheduleStatus(
      { ...s, paused: true },
      [bk('hourly-1', '2025-06-15T11:00:01Z')],
      at('2025-06-15T11:30:00Z'),
    );
    expect(st.nextRuns).toEqual([]);
    expect(st.rpo).toMatchObject({ state: 'AT_RISK', reason: 'schedule is paused' });
    expect(st.missedRuns).toEqual([]);
  });
});
