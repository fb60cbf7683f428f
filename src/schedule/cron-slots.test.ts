import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { CronSlots } from './cron-slots.ts';

const hourly = { name: 'hourly', schedule: '0 * * * *' };
const at = (iso: string) => new Date(iso);
const noError = (err: unknown) => {
  throw err;
};

describe('CronSlots', () => {
  it('learns a schedule’s next time when first seen, then gives each due time once', () => {
    const slots = new CronSlots();
    const first = slots.pass('a', hourly, at('2026-12-01T10:30:00Z'), noError);
    expect(first?.learnt).toBe('first');
    expect(first?.takeDue()).toBeUndefined();
    const early = slots.pass('a', hourly, at('2026-12-01T10:59:59Z'), noError);
    expect([early?.learnt, early?.takeDue()]).toEqual([undefined, undefined]);
    // Passes missed between two times give the newest due time once, then the next one after now.
    const late = slots.pass('a', hourly, at('2026-12-01T12:10:00Z'), noError);
    expect(late?.takeDue()).toEqual(at('2026-12-01T11:00:00Z'));
    expect(late?.takeDue()).toBeUndefined();
    expect(slots.pass('a', hourly, at('2026-12-01T12:20:00Z'), noError)?.takeDue()).toBeUndefined();
    expect(slots.pass('a', hourly, at('2026-12-01T13:00:00Z'), noError)?.takeDue()).toEqual(
      at('2026-12-01T13:00:00Z'),
    );
  });

  it('learns a changed cron or time zone again, without a due time', () => {
    const slots = new CronSlots();
    slots.pass('a', hourly, at('2026-12-01T10:30:00Z'), noError);
    const zoned = slots.pass(
      'a',
      { ...hourly, timezone: 'Asia/Kolkata' },
      at('2026-12-01T11:10:00Z'),
      noError,
    );
    expect(zoned?.learnt).toBe('again');
    expect(zoned?.takeDue()).toBeUndefined();
    // Kolkata is UTC+5:30: its full hours fall at half past in UTC.
    expect(
      slots
        .pass('a', { ...hourly, timezone: 'Asia/Kolkata' }, at('2026-12-01T11:30:00Z'), noError)
        ?.takeDue(),
    ).toEqual(at('2026-12-01T11:30:00Z'));
  });

  it('tells why a schedule is invalid, forgets it, and learns it afresh once fixed', () => {
    const slots = new CronSlots();
    slots.pass('a', hourly, at('2026-12-01T10:30:00Z'), noError);
    const errors: unknown[] = [];
    const bad = { name: 'hourly', schedule: 'every hour' };
    expect(slots.pass('a', bad, at('2026-12-01T11:30:00Z'), (err) => errors.push(err))).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LifeboatError);
    expect(String((errors[0] as LifeboatError).message)).toMatch(/^schedule hourly: /);
    expect(slots.pass('a', hourly, at('2026-12-01T11:40:00Z'), noError)?.learnt).toBe('first');
  });

  it('forgets the keys a loop no longer runs, and everything on clear', () => {
    const slots = new CronSlots();
    const now = at('2026-12-01T10:30:00Z');
    slots.pass('a', hourly, now, noError);
    slots.pass('b', hourly, now, noError);
    slots.keepOnly(new Set(['b']));
    expect(slots.pass('a', hourly, now, noError)?.learnt).toBe('first');
    expect(slots.pass('b', hourly, now, noError)?.learnt).toBeUndefined();
    slots.clear();
    expect(slots.pass('b', hourly, now, noError)?.learnt).toBe('first');
  });
});
