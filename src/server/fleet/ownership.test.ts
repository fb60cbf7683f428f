import { describe, expect, it } from 'vitest';
import { decideOwnership, type OwnershipInput } from './ownership.ts';

const clusters = ['a', 'b', 'c', 'd', 'e', 'f'];
const input = (o: Partial<OwnershipInput>): OwnershipInput => ({
  me: 'r1',
  clusters,
  holders: new Map(),
  replicas: ['r1'],
  busy: () => false,
  ...o,
});

/** Runs each replica's decision in turn until nothing changes, as the replicas' ticks would. */
function settle(replicas: string[], holders: Map<string, string>, max?: number): Map<string, string> {
  for (let round = 0; round < 20; round++) {
    let changed = false;
    for (const me of replicas) {
      const d = decideOwnership(input({ me, holders, replicas, maxPerReplica: max }));
      for (const c of d.release) {
        holders.delete(c);
        changed = true;
      }
      for (const c of d.take) {
        holders.set(c, me);
        changed = true;
      }
    }
    if (!changed) return holders;
  }
  throw new Error('no steady state');
}

const count = (holders: Map<string, string>, r: string) =>
  [...holders.values()].filter((h) => h === r).length;

describe('decideOwnership', () => {
  it('a lone replica takes every cluster', () => {
    const d = decideOwnership(input({}));
    expect(d).toMatchObject({ fair: 6, bound: 6 });
    expect(d.take.sort()).toEqual(clusters);
  });

  it('spreads six clusters over three replicas however they start, and never above the bound', () => {
    const holders = settle(['r1'], new Map());
    settle(['r1', 'r2'], holders);
    expect([count(holders, 'r1'), count(holders, 'r2')]).toEqual([3, 3]);
    settle(['r1', 'r2', 'r3'], holders);
    expect(['r1', 'r2', 'r3'].map((r) => count(holders, r))).toEqual([2, 2, 2]);
  });

  it('takes over a dead replica’s clusters within the bound, and keeps busy clusters', () => {
    const holders = settle(['r1', 'r2', 'r3'], new Map(), 3);
    for (const [c, h] of holders) if (h === 'r3') holders.delete(c);
    settle(['r1', 'r2'], holders, 3);
    expect(holders.size).toBe(6);
    expect([count(holders, 'r1'), count(holders, 'r2')]).toEqual([3, 3]);
    const busy = decideOwnership(
      input({ holders: new Map(clusters.map((c) => [c, 'r1'])), replicas: ['r1', 'r2'], busy: () => true }),
    );
    expect(busy.release).toEqual([]);
  });

  it('leaves free clusters to a replica below its share', () => {
    const holders = new Map([
      ['a', 'r1'],
      ['b', 'r1'],
      ['c', 'r1'],
    ]);
    const d = decideOwnership(input({ holders, replicas: ['r1', 'r2'] }));
    expect(d.take).toEqual([]);
  });
});
