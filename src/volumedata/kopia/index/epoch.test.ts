import { describe, expect, it } from 'vitest';
import { findCompleteSets, goAtoi, type ListedBlob } from './complete-set.ts';
import {
  epochState,
  indexBlobId,
  indexBlobPrefix,
  longestRangeCheckpoints,
  selectEpochIndexBlobs,
} from './epoch.ts';
import { newSessionId, sessionIdFromBlobId } from './session.ts';

const at = new Date('2026-01-01T00:00:00Z');
const listed = (...ids: string[]): ListedBlob[] => ids.map((id) => ({ id, length: 100, timestamp: at }));
const ids = (blobs: readonly ListedBlob[]): string[] => blobs.map((b) => b.id).sort();

describe('complete sets (kopia internal/completeset)', () => {
  it('groups -s<set>-c<N> shards and keeps blobs of other shapes alone', () => {
    const sets = findCompleteSets(
      listed('a-s1-c2', 'b-s2-c1', 'c-s1-c2', 'd-s3-c2', 'e', 'f-x-c1', 'g-s4-cz'),
    );
    expect(sets.map(ids)).toEqual([['b-s2-c1'], ['a-s1-c2', 'c-s1-c2'], ['e'], ['f-x-c1'], ['g-s4-cz']]);
  });

  it('parses numbers like Go strconv.Atoi', () => {
    expect(goAtoi('12')).toBe(12);
    expect(goAtoi('+3')).toBe(3);
    expect(goAtoi('-3')).toBe(-3);
    expect(goAtoi('')).toBeNaN();
    expect(goAtoi('1a')).toBeNaN();
    expect(goAtoi('99999999999999999999')).toBeNaN();
  });
});

describe('epoch selection (kopia epoch manager GetCompleteIndexSet)', () => {
  it('reads every xn blob of epoch 0 in a fresh repository', () => {
    const s = selectEpochIndexBlobs(
      listed('xn0_a-s1-c1', 'xn0_b-s2-c1', 'kopia.repository', 'p0123', 'q0123'),
    );
    expect(ids(s.blobs)).toEqual(['xn0_a-s1-c1', 'xn0_b-s2-c1']);
    expect(s.writeEpoch).toBe(0);
    expect(s.deletionWatermarkSeconds).toBeUndefined();
  });

  it('does not filter incomplete sets of uncompacted index blobs (kopia reads them all)', () => {
    const s = selectEpochIndexBlobs(listed('xn0_a-s1-c2'));
    expect(ids(s.blobs)).toEqual(['xn0_a-s1-c2']);
  });

  it('uses a settled epoch compaction and the uncompacted blobs of unsettled epochs', () => {
    const s = selectEpochIndexBlobs(
      listed(
        'xe1',
        'xe2',
        'xe3',
        'xn0_a-s1-c1',
        'xs0_c0-s9-c1',
        'xn1_b-s1-c1',
        'xs1_c1-s8-c2', // incomplete: epoch 1 falls back to its xn blobs
        'xn2_c-s1-c1',
        'xs2_c2-s7-c1', // epoch 2 is not settled at write epoch 3: ignored
        'xn3_d-s1-c1',
        'xn4_e-s1-c1',
        'xn5_f-s1-c1', // beyond write epoch + 1
        'xn10_g-s1-c1',
      ),
    );
    expect(s.writeEpoch).toBe(3);
    expect(ids(s.blobs)).toEqual([
      'xn1_b-s1-c1',
      'xn2_c-s1-c1',
      'xn3_d-s1-c1',
      'xn4_e-s1-c1',
      'xs0_c0-s9-c1',
    ]);
  });

  it('starts with the longest range checkpoint chain and reads later epochs on top', () => {
    const s = selectEpochIndexBlobs(
      listed(
        ...['xe1', 'xe2', 'xe3', 'xe4', 'xe5', 'xe6', 'xe7', 'xe8', 'xe9', 'xe10'],
        'xr0_3_r03-s1-c1',
        'xr4_7_r47a-s2-c2',
        'xr4_7_r47b-s2-c2',
        'xr0_7_r07-s3-c2', // incomplete
        'xr0_2_r02-s4-c1',
        'xn0_a-s1-c1',
        'xn7_b-s1-c1',
        'xs8_c8-s5-c1',
        'xn8_h-s1-c1',
        'xn9_i-s1-c1',
        'xs9_c9-s6-c1', // epoch 9 unsettled at write epoch 10
        'xn10_j-s1-c1',
        'xw1700000000',
        'xw1600000000',
        'xwjunk',
      ),
    );
    expect(s.writeEpoch).toBe(10);
    expect(s.deletionWatermarkSeconds).toBe(1_700_000_000);
    expect(ids(s.blobs)).toEqual(
      [
        'xr0_3_r03-s1-c1',
        'xr4_7_r47a-s2-c2',
        'xr4_7_r47b-s2-c2',
        'xs8_c8-s5-c1',
        'xn9_i-s1-c1',
        'xn10_j-s1-c1',
      ].sort(),
    );
  });

  it('prefers the chain reaching furthest, then the shorter one; never one ending at epoch 0', () => {
    const r = (minEpoch: number, maxEpoch: number) => ({
      minEpoch,
      maxEpoch,
      blobs: listed(`xr${minEpoch}_${maxEpoch}_x`),
    });
    const chain = (rs: ReturnType<typeof r>[]) =>
      longestRangeCheckpoints(rs).map((c) => `${c.minEpoch}-${c.maxEpoch}`);
    expect(chain([r(0, 3), r(4, 7), r(0, 7)])).toEqual(['0-7']);
    expect(chain([r(0, 3), r(4, 9), r(0, 7)])).toEqual(['0-3', '4-9']);
    expect(chain([r(0, 0)])).toEqual([]);
    expect(chain([r(1, 5)])).toEqual([]);
    expect(chain([r(0, -1), r(0, 2)])).toEqual(['0-2']);
    // a long chain does not overflow the stack
    expect(chain(Array.from({ length: 50_000 }, (_, i) => r(i, i)))).toHaveLength(50_000);
  });

  it('skips a range checkpoint that does not move past the start epoch, as kopia does', () => {
    const s = selectEpochIndexBlobs(
      listed('xe5', 'xr0_2_a-s1-c1', 'xr3_3_b-s1-c1', 'xn3_c-s1-c1', 'xn4_d-s1-c1'),
    );
    expect(ids(s.blobs)).toEqual(['xn3_c-s1-c1', 'xn4_d-s1-c1', 'xr0_2_a-s1-c1']);
  });

  it('ignores a hostile epoch marker without walking every epoch', () => {
    const s = selectEpochIndexBlobs(listed('xe999999999999', 'xn0_a-s1-c1'));
    expect(s.writeEpoch).toBe(999_999_999_999);
    // epoch 0 is settled but has no compaction: its xn blobs are read
    expect(ids(s.blobs)).toEqual(['xn0_a-s1-c1']);
  });

  it('groups epoch blobs like kopia parses their numbers', () => {
    const st = epochState(listed('xe7', 'xeq', 'xn07_a', 'xn7_b', 'xs07_c-s1-c1'));
    expect(st.writeEpoch).toBe(7);
    expect(ids(st.uncompacted.get(7) ?? [])).toEqual(['xn7_b']);
    expect(ids(st.singleEpochCompactions.get(7) ?? [])).toEqual(['xs07_c-s1-c1']);
  });
});

describe('writer names', () => {
  it('names index blobs and sessions as kopia does', () => {
    expect(indexBlobPrefix(3)).toBe('xn3_');
    expect(indexBlobId(3, 'abc', 's0011223344556677ff', 1)).toBe('xn3_abc-s0011223344556677ff-c1');
    const sid = newSessionId(new Date('2026-12-06T00:00:00Z'), Buffer.from('0011223344556677', 'hex'));
    // 2000-01-01 to 2026-12-06 is 9836 days: 327 whole 30-day periods = 0x147
    expect(sid).toBe('s0011223344556677147');
    expect(sessionIdFromBlobId(`xn0_abc-${sid}-c1`)).toBe(sid);
    expect(sessionIdFromBlobId('xn0_abc')).toBe('');
  });
});
