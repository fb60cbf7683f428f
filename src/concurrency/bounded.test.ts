import { describe, expect, it } from 'vitest';
import { mapBounded, runBounded } from './bounded.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('runBounded', () => {
  it('runs every item, never more than the limit at once, started in order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await runBounded(
      [1, 2, 3, 4, 5, 6, 7],
      3,
      () => false,
      async (n) => {
        started.push(n);
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
      },
    );
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('stops starting items once stop() is true', async () => {
    const started: number[] = [];
    await runBounded(
      [1, 2, 3, 4],
      1,
      () => started.length >= 2,
      async (n) => {
        started.push(n);
        await tick();
      },
    );
    expect(started).toEqual([1, 2]);
  });

  it('rejects with the first failure; an empty list is done at once', async () => {
    await expect(
      runBounded(
        [1, 2],
        2,
        () => false,
        async (n) => {
          await tick();
          if (n === 2) throw new Error('two');
        },
      ),
    ).rejects.toThrow('two');
    await expect(
      runBounded(
        [],
        4,
        () => false,
        () => Promise.reject(new Error('never')),
      ),
    ).resolves.toBeUndefined();
  });
});

describe('mapBounded', () => {
  it('gives the results in the items order, whatever order they finish in', async () => {
    let running = 0;
    let most = 0;
    const out = await mapBounded([30, 10, 20, 0], 2, async (ms) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 2;
    });
    expect(out).toEqual([60, 20, 40, 0]);
    expect(most).toBe(2);
  });
});
