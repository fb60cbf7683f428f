import { describe, expect, it } from 'vitest';
import { bucketKey, isoWeek } from './buckets.ts';
import {
  formatRetention,
  parseRetention,
  selectRetention,
  type RetentionBackup,
  type RetentionPolicy,
} from './retention.ts';

const NOW = new Date('2025-06-15T12:00:00Z');
const H = 3_600_000;

/** The cluster GC runs for in these tests (its kube-system UID). */
const SELF = 'uid-self';

/** A backup of schedule "s" from cluster SELF started `hoursAgo` before NOW, expiring after `ttlHours`. */
function b(
  name: string,
  hoursAgo: number,
  phase = 'Completed',
  ttlHours = 24,
  schedule: string | undefined = 's',
  cluster: string | undefined = SELF,
): RetentionBackup {
  const started = new Date(NOW.getTime() - hoursAgo * H);
  return {
    name,
    location: 'l',
    schedule,
    cluster,
    phase,
    started,
    expiration: new Date(started.getTime() + ttlHours * H),
  };
}

function deleted(backups: RetentionBackup[], policy?: RetentionPolicy, timeZone = 'UTC'): string[] {
  return selectRetention(backups, () => ({ policy, timeZone }), NOW, SELF)
    .filter((d) => d.delete)
    .map((d) => d.name)
    .sort();
}

describe('selectRetention', () => {
  it.each<[string, RetentionBackup[], RetentionPolicy | undefined, string[]]>([
    ['TTL: only expired ones go', [b('a', 1), b('b', 30), b('c', 50)], undefined, ['b', 'c']],
    ['the newest Completed survives even when expired', [b('a', 100), b('b', 200)], undefined, ['b']],
    [
      'a newer PartiallyFailed or Failed does not replace the last good one',
      [b('f', 30, 'Failed'), b('p', 40, 'PartiallyFailed'), b('c', 50), b('old', 60)],
      undefined,
      ['f', 'old', 'p'],
    ],
    [
      'with no Completed backup, the newest PartiallyFailed one stays',
      [b('p1', 30, 'PartiallyFailed'), b('p2', 40, 'PartiallyFailed'), b('f', 25, 'Failed')],
      undefined,
      ['f', 'p2'],
    ],
    [
      'unfinished and undated ones are never touched',
      [b('c', 1), b('ip', 90, 'InProgress'), { ...b('u', 90), phase: undefined }],
      undefined,
      [],
    ],
    [
      'ad-hoc backups follow the TTL alone (no last-good protection)',
      [b('x', 30, 'Completed', 24, undefined), b('y', 1, 'Completed', 24, undefined)],
      undefined,
      ['x'],
    ],
    [
      'keep-last=2 counts Completed ones only and overrides the TTL',
      [
        b('c1', 1, 'Completed', 1000),
        b('f', 2, 'Failed', 1000),
        b('c2', 3, 'Completed', 1000),
        b('c3', 4, 'Completed', 1000),
      ],
      { keepLast: 2 },
      ['c3'],
    ],
    ['keep-last=0 still keeps the newest Completed', [b('c1', 1), b('c2', 2)], { keepLast: 0 }, ['c2']],
    [
      'PartiallyFailed ones go at their TTL under a policy, never kept by rules',
      [b('c1', 1), b('p-young', 2, 'PartiallyFailed'), b('p-old', 30, 'PartiallyFailed')],
      { keepLast: 5 },
      ['p-old'],
    ],
    [
      'daily=3 keeps the newest of each of the last three days',
      [b('d0a', 1), b('d0b', 6), b('d1a', 24), b('d1b', 30), b('d2', 48), b('d3', 72)],
      { daily: 3 },
      ['d0b', 'd1b', 'd3'],
    ],
    [
      'within=24h keeps every Completed backup of the last day',
      [b('a', 1), b('b', 23), b('c', 25)],
      { within: '24h' },
      ['c'],
    ],
  ])('%s', (_title, backups, policy, want) => {
    expect(deleted(backups, policy)).toEqual(want);
  });

  it('GFS: hourly, daily, weekly, monthly and yearly buckets together', () => {
    const backups: RetentionBackup[] = [];
    for (let h = 0; h < 24 * 800; h += 6) backups.push(b(`h${h}`, h, 'Completed', 1));
    const kept = selectRetention(
      backups,
      () => ({ policy: { hourly: 2, daily: 7, weekly: 4, monthly: 12, yearly: 3 }, timeZone: 'UTC' }),
      NOW,
      SELF,
    ).filter((d) => !d.delete);
    const reasons = kept.flatMap((d) => d.reasons.map((r) => r.split(' ')[0]));
    const count = (k: string) => reasons.filter((r) => r === k).length;
    expect([count('hourly'), count('daily'), count('weekly'), count('monthly'), count('yearly')]).toEqual([
      2, 7, 4, 12, 3,
    ]);
    expect(kept.length).toBeLessThan(2 + 7 + 4 + 12 + 3);
    expect(kept.some((d) => d.name === 'h0')).toBe(true);
  });

  it('groups by location and schedule: each schedule keeps its own newest Completed', () => {
    const other = { ...b('o', 100), schedule: 't' };
    const elsewhere = { ...b('e', 100), location: 'm' };
    expect(deleted([b('a', 90), other, elsewhere])).toEqual([]);
  });

  it('buckets days in the schedule’s time zone', () => {
    // 23:30 UTC on June 14 is June 15 in Rome: both backups fall on the same Rome day.
    const late = { ...b('late', 12.5), started: new Date('2025-06-14T23:30:00Z') };
    const early = { ...b('early', 10), started: new Date('2025-06-15T02:00:00Z') };
    expect(deleted([early, late], { daily: 2 }, 'Europe/Rome')).toEqual(['late']);
    expect(deleted([early, late], { daily: 2 }, 'UTC')).toEqual([]);
  });

  it('explains every decision', () => {
    const [c1, c2] = selectRetention([b('c1', 1), b('c2', 30)], () => undefined, NOW, SELF);
    expect(c1?.reasons).toEqual(['newest completed']);
    expect(c2?.reasons[0]).toMatch(/^expired 2025-06-15T06:00:00.000Z/);
  });
});

describe('selectRetention across clusters sharing a bucket', () => {
  const other = (name: string, hoursAgo: number, phase = 'Completed', ttlHours = 24) =>
    b(name, hoursAgo, phase, ttlHours, 's', 'uid-other');
  const none = (name: string, hoursAgo: number, phase = 'Completed', ttlHours = 24) => ({
    ...b(name, hoursAgo, phase, ttlHours),
    cluster: undefined,
  });

  it("one cluster's retention never deletes another cluster's backups of the same schedule", () => {
    // Cluster B's four newer backups of "s" must not push cluster A's out of keep-last=2.
    const mine = [b('a1', 48), b('a2', 72), b('a3', 96)];
    const theirs = [other('b1', 1), other('b2', 2), other('b3', 3), other('b4', 200, 'Failed', 1)];
    expect(deleted([...mine, ...theirs], { keepLast: 2 })).toEqual(['a3']);
    // Without rules, even another cluster's long-expired backups stay: its own GC decides.
    expect(deleted([...mine, ...theirs])).toEqual(['a2', 'a3']);
  });

  it("another cluster's newest Completed does not stand in for this cluster's", () => {
    expect(deleted([b('mine-old', 100), other('theirs-new', 1)], { keepLast: 0 })).toEqual([]);
  });

  it('backups without an identity go only at their own TTL, never by the rules', () => {
    const backups = [b('a1', 1), none('n1', 2), none('n2', 3), none('n3', 60, 'Failed'), none('n4', 70)];
    // keep-last=1 would delete n1, n2 and n4 if they were this cluster's; a Completed one stays,
    // a Failed one goes at its TTL.
    expect(deleted(backups, { keepLast: 1 })).toEqual(['n3']);
    // With no rules, their TTL decides (Velero's GC) — the newest Completed of their group stays.
    expect(deleted(backups)).toEqual(['n3', 'n4']);
  });

  it('when the cluster is unknown, nothing that records an identity is deleted', () => {
    const decisions = selectRetention(
      [b('a1', 100), b('a2', 200), none('n1', 300), none('n2', 400)],
      () => undefined,
      NOW,
    );
    expect(decisions.filter((d) => d.delete).map((d) => d.name)).toEqual(['n2']);
    expect(decisions.find((d) => d.name === 'a2')?.reasons[0]).toMatch(/another cluster/);
  });
});

describe('buckets', () => {
  it.each([
    [2024, 12, 30, '2025-W01'],
    [2021, 1, 3, '2020-W53'],
    [2025, 6, 15, '2025-W24'],
  ])('ISO week of %i-%i-%i is %s', (y, m, d, want) => {
    const w = isoWeek(y, m, d);
    expect(`${w.year}-W${String(w.week).padStart(2, '0')}`).toBe(want);
  });

  it('computes keys in a time zone', () => {
    const t = new Date('2025-12-31T23:30:00Z');
    expect(bucketKey('yearly', t, 'UTC')).toBe('2025');
    expect(bucketKey('yearly', t, 'Europe/Rome')).toBe('2026');
    expect(bucketKey('hourly', t, 'Asia/Kolkata')).toBe('2026-01-01T05');
    expect(bucketKey('monthly', t, 'America/New_York')).toBe('2025-12');
  });
});

describe('parseRetention', () => {
  it('parses the flag and formats it back', () => {
    const p = parseRetention('keep-last=3, daily=7,weekly=4,monthly=12,within=24h');
    expect(p).toEqual({ keepLast: 3, daily: 7, weekly: 4, monthly: 12, within: '24h' });
    expect(formatRetention(p)).toBe('keep-last=3,within=24h,daily=7,weekly=4,monthly=12');
  });

  it.each([
    ['daily=x', /daily=x: must be a whole number/],
    ['fortnightly=2', /unknown retention rule 'fortnightly'/],
    ['within=3q', /within/],
    ['', /empty retention/],
  ])('refuses %j', (text, message) => {
    expect(() => parseRetention(text)).toThrow(message);
  });
});

describe('parseRetention with names of Object.prototype members', () => {
  it('refuses them as unknown rules', () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])
      expect(() => parseRetention(`${key}=3`), key).toThrow(/unknown retention rule/);
  });
});
