import { describe, expect, it } from 'vitest';
import { parseCron } from './cron.ts';
import { parseScheduleBackupName, scheduleBackupName } from './naming.ts';

const iso = (dates: readonly Date[]) => dates.map((d) => d.toISOString());

describe('parseCron next runs', () => {
  it.each([
    // 02:30 does not exist in Rome on 2025-03-30 (CET→CEST): the fixed-time job runs right after the gap.
    [
      '30 2 * * *',
      'Europe/Rome',
      '2025-03-29T00:00:00Z',
      ['2025-03-29T01:30:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z'],
    ],
    // 02:30 happens twice on 2025-10-26 (CEST→CET): it runs once, at the first one.
    [
      '30 2 * * *',
      'Europe/Rome',
      '2025-10-25T00:00:00Z',
      ['2025-10-25T00:30:00.000Z', '2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z'],
    ],
    // An hourly job runs at both 02:00 of the repeated hour.
    [
      '0 * * * *',
      'Europe/Rome',
      '2025-10-25T23:30:00Z',
      ['2025-10-26T00:00:00.000Z', '2025-10-26T01:00:00.000Z', '2025-10-26T02:00:00.000Z'],
    ],
    // New York spring forward: 02:15 does not exist on 2025-03-09.
    [
      '15 2 * * *',
      'America/New_York',
      '2025-03-08T12:00:00Z',
      ['2025-03-09T07:00:00.000Z', '2025-03-10T06:15:00.000Z', '2025-03-11T06:15:00.000Z'],
    ],
    [
      '0 */6 * * *',
      undefined,
      '2025-01-01T05:00:00Z',
      ['2025-01-01T06:00:00.000Z', '2025-01-01T12:00:00.000Z', '2025-01-01T18:00:00.000Z'],
    ],
    [
      '*/2 * * * * *',
      undefined,
      '2025-01-01T00:00:00.500Z',
      ['2025-01-01T00:00:02.000Z', '2025-01-01T00:00:04.000Z', '2025-01-01T00:00:06.000Z'],
    ],
    [
      '@daily',
      'UTC',
      '2025-01-01T05:00:00Z',
      ['2025-01-02T00:00:00.000Z', '2025-01-03T00:00:00.000Z', '2025-01-04T00:00:00.000Z'],
    ],
    [
      'CRON_TZ=Asia/Tokyo 0 3 * * *',
      undefined,
      '2025-01-01T00:00:00Z',
      ['2025-01-01T18:00:00.000Z', '2025-01-02T18:00:00.000Z', '2025-01-03T18:00:00.000Z'],
    ],
    [
      '@every 6h',
      undefined,
      '2025-01-01T00:00:00.700Z',
      ['2025-01-01T06:00:00.000Z', '2025-01-01T12:00:00.000Z', '2025-01-01T18:00:00.000Z'],
    ],
  ])('%s in %s after %s', (expr, zone, after, want) => {
    expect(iso(parseCron(expr, zone).nextRuns(3, new Date(after)))).toEqual(want);
  });

  it('lists the runs in a window, newest ones when there are more than the limit', () => {
    const c = parseCron('0 * * * *');
    expect(iso(c.between(new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T03:00:00Z'), 10))).toEqual([
      '2025-01-01T01:00:00.000Z',
      '2025-01-01T02:00:00.000Z',
      '2025-01-01T03:00:00.000Z',
    ]);
    expect(iso(c.between(new Date('2024-01-01T00:00:00Z'), new Date('2025-01-01T03:30:00Z'), 2))).toEqual([
      '2025-01-01T02:00:00.000Z',
      '2025-01-01T03:00:00.000Z',
    ]);
    const e = parseCron('@every 1h');
    expect(e.between(new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T05:30:00Z'), 2)).toHaveLength(2);
  });

  it.each([
    ['61 * * * *', /invalid schedule '61 \* \* \* \*'/],
    ['* * *', /invalid schedule/],
    ['@every 5x', /invalid schedule/],
    ['@every 100ms', /at least 1s/],
  ])('refuses %s', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(message);
  });

  it('refuses an unknown time zone', () => {
    expect(() => parseCron('0 * * * *', 'Mars/Base')).toThrow(/unknown time zone 'Mars\/Base'/);
  });
});

describe('scheduled backup names', () => {
  it('uses Velero’s <schedule>-<yyyyMMddHHmmss> in UTC and parses it back', () => {
    const at = new Date('2025-03-30T01:02:03.999Z');
    expect(scheduleBackupName('nightly', at)).toBe('nightly-20250330010203');
    expect(parseScheduleBackupName('nightly', 'nightly-20250330010203')?.toISOString()).toBe(
      '2025-03-30T01:02:03.000Z',
    );
    expect(parseScheduleBackupName('nightly', 'nightly-2025033001020')).toBeUndefined();
    expect(parseScheduleBackupName('nightly', 'other-20250330010203')).toBeUndefined();
    expect(parseScheduleBackupName('nightly', 'nightly-20251330010203')).toBeUndefined();
  });
});
