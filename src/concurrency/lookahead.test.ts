import { describe, expect, it } from 'vitest';
import { lookahead } from './lookahead.ts';

describe('lookahead', () => {
  it('gives every item in order, started at most `limit` ahead of the one taken', () => {
    const startedAt: number[] = [];
    const it = lookahead([1, 2, 3, 4, 5], 2, (n) => {
      startedAt.push(n);
      return n * 10;
    });
    expect(startedAt).toEqual([1, 2]);
    expect(it.next()).toEqual({ done: false, value: 10 });
    expect(startedAt).toEqual([1, 2, 3]);
    expect([...it]).toEqual([20, 30, 40, 50]);
    expect(startedAt).toEqual([1, 2, 3, 4, 5]);
    expect(it.next().done).toBe(true);
  });

  it('starts nothing for no items, and one at a time for a limit under 1', () => {
    const started: number[] = [];
    expect([...lookahead([], 4, (n: number) => started.push(n))]).toEqual([]);
    const one = lookahead([7, 8], 0, (n) => (started.push(n), n));
    expect(started).toEqual([7]);
    expect([...one]).toEqual([7, 8]);
  });
});
