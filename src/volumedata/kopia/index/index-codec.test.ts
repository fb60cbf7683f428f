import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../../errors/index.ts';
import type { IndexEntry } from './index-entry.ts';
import { encodeIndexV1 } from './index-v1.ts';
import { encodeIndexV2 } from './index-v2-encode.ts';
import { openIndex } from './pack-index.ts';

// The encoders are proven byte-identical to kopia's writer by test/integration/kopia-index.test.ts
// (kopia-oracle index-build); here they make the inputs for the hostile-input checks.
function entries(n: number, wide: boolean): IndexEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    contentId: (i % 3 === 0 ? 'k' : '') + (i * 2654435761).toString(16).padStart(32, '0').slice(-32),
    packBlobId: `p${i % (wide ? 7 : 2)}`,
    packOffset: i * 1000,
    packedLength: wide ? (1 << 24) + i : 100 + i,
    originalLength: wide ? (1 << 25) + i : 90 + i,
    timestampSeconds: 1_700_000_000 + i,
    deleted: i % 5 === 0,
    compressionHeaderId: wide ? (i % 2) * 0x1100 : 0,
    formatVersion: 2,
    encryptionKeyId: 0,
  }));
}

/** Decodes, iterates and looks up; returns the error code when it fails. */
function exercise(data: Buffer, ids: string[]): string {
  try {
    const ndx = openIndex(data, 'xn0_fuzz', { v1PerContentOverhead: 28 });
    let n = 0;
    for (const e of ndx.entries()) {
      expect(e.packedLength).toBeGreaterThanOrEqual(0);
      n++;
    }
    expect(n).toBe(ndx.count);
    for (const id of ids) ndx.lookup(id);
    return 'ok';
  } catch (err) {
    if (!isLifeboatError(err)) throw err;
    expect(err.message).toContain('xn0_fuzz');
    return err.code;
  }
}

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('index decoding of hostile bytes', () => {
  const cases: [string, Buffer, string[]][] = [
    ['v2 narrow', encodeIndexV2(entries(40, false)), entries(40, false).map((e) => e.contentId)],
    ['v2 wide', encodeIndexV2(entries(40, true)), entries(40, true).map((e) => e.contentId)],
    [
      'v1',
      encodeIndexV1(entries(40, false).map((e) => ({ ...e, packedLength: e.packedLength + 28 }))),
      entries(40, false).map((e) => e.contentId),
    ],
  ];

  for (const [name, good, ids] of cases) {
    it(`${name}: round trip, then every truncation and 3000 byte flips give entries or CORRUPT, never a crash`, () => {
      expect(exercise(good, ids)).toBe('ok');
      const codes = new Set<string>();
      for (let len = 0; len < good.length; len += 7) codes.add(exercise(good.subarray(0, len), ids));
      const r = rng(name.length);
      for (let i = 0; i < 3000; i++) {
        const bad = Buffer.from(good);
        for (let k = 0; k < 1 + Math.floor(r() * 3); k++)
          bad[Math.floor(r() * Math.min(bad.length, 120))] = Math.floor(r() * 256);
        codes.add(exercise(bad, ids));
      }
      expect([...codes].filter((c) => c !== 'ok' && c !== 'CORRUPT')).toEqual([]);
      expect(codes.has('CORRUPT')).toBe(true);
    });
  }

  it('refuses huge counts without allocating for them', () => {
    const data = Buffer.from(encodeIndexV2(entries(2, false)));
    data.writeUInt32BE(0xffffffff, 4);
    expect(exercise(data, [])).toBe('CORRUPT');
    data.writeUInt32BE(2, 4);
    data.writeUInt32BE(0xffffffff, 8);
    expect(exercise(data, [])).toBe('CORRUPT');
  });

  it('round-trips entries field for field', () => {
    const input = entries(100, true);
    const ndx = openIndex(encodeIndexV2(input), 'x');
    expect([...ndx.entries()]).toEqual([...input].sort((a, b) => (a.contentId < b.contentId ? -1 : 1)));
    expect(ndx.lookup('zz')).toBeUndefined();
    expect(ndx.lookup('not hex')).toBeUndefined();
  });
});
