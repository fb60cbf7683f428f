import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runOracle } from '../helpers/kopia.ts';
import type { IndexEntry } from '../../src/volumedata/kopia/index/index-entry.ts';
import { encodeIndexV1, IndexV1 } from '../../src/volumedata/kopia/index/index-v1.ts';
import { IndexV2 } from '../../src/volumedata/kopia/index/index-v2.ts';
import { openIndex } from '../../src/volumedata/kopia/index/pack-index.ts';
import { encodeIndexV2 } from '../../src/volumedata/kopia/index/index-v2-encode.ts';
import { MergedIndex, sortedUniqueEntries } from '../../src/volumedata/kopia/index/merge.ts';

/** Deterministic pseudo-random numbers so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Shape {
  count: number;
  packs: number;
  formats: number;
  maxLength: number;
  hashBytes?: number;
  seed?: number;
}

function makeEntries(shape: Shape): IndexEntry[] {
  const r = rng(shape.seed ?? 1);
  const int = (n: number): number => Math.floor(r() * n);
  const hashBytes = shape.hashBytes ?? 16;
  const prefixes = ['', '', '', 'k', 'x', 'g', 'z'];
  const out: IndexEntry[] = [];
  for (let i = 0; i < shape.count; i++) {
    const hash = Buffer.alloc(hashBytes);
    for (let j = 0; j < hashBytes; j++) hash[j] = int(256);
    const f = int(shape.formats);
    out.push({
      contentId: (prefixes[int(prefixes.length)] ?? '') + hash.toString('hex'),
      packBlobId: `p${(int(shape.packs) * 7919).toString(16).padStart(32, '0')}-s0123456789abcdef`,
      packOffset: int(2 ** 30),
      packedLength: int(shape.maxLength),
      originalLength: int(shape.maxLength),
      timestampSeconds: 1_700_000_000 + int(1_000_000),
      deleted: r() < 0.1,
      compressionHeaderId: [0, 0x1100, 0x1101, 0x1200, 0x4c00][f % 5] ?? 0,
      formatVersion: 1 + (f % 2),
      encryptionKeyId: f >= 5 ? 1 : 0,
    });
  }
  return out;
}

async function oracleBuild(entries: IndexEntry[], version = 2): Promise<Buffer> {
  return runOracle('index-build', [String(version)], JSON.stringify(entries));
}

async function oracleParse(data: Buffer, v1Overhead = 0): Promise<IndexEntry[]> {
  return JSON.parse((await runOracle('index-parse', [String(v1Overhead)], data)).toString()) as IndexEntry[];
}

const shapes: [string, Shape][] = [
  ['one entry', { count: 1, packs: 1, formats: 1, maxLength: 1 << 20 }],
  ['many entries, one format, short lengths', { count: 5000, packs: 40, formats: 1, maxLength: 1 << 22 }],
  [
    'several formats and compression IDs',
    { count: 3000, packs: 10, formats: 7, maxLength: 1 << 16, seed: 2 },
  ],
  ['lengths above 16 MiB', { count: 2000, packs: 5, formats: 1, maxLength: (1 << 28) - 1, seed: 3 }],
  ['more than 65535 packs', { count: 70_000, packs: 1 << 20, formats: 1, maxLength: 1 << 20, seed: 4 }],
  [
    'everything wide, 32-byte hashes',
    { count: 70_000, packs: 1 << 20, formats: 3, maxLength: 1 << 28, hashBytes: 32, seed: 5 },
  ],
];

describe('index v2 against kopia repo/content/index', () => {
  for (const [name, shape] of shapes) {
    it(`decodes kopia's index and encodes the same bytes: ${name}`, async () => {
      const entries = makeEntries(shape);
      const expected = sortedUniqueEntries(entries);
      const kopiaBytes = await oracleBuild(entries);

      const decoded = IndexV2.decode(kopiaBytes, 'xn0_test');
      expect(decoded.count).toBe(expected.length);
      expect([...decoded.entries()]).toEqual(expected);
      for (const e of expected.slice(0, 200)) expect(decoded.lookup(e.contentId)).toEqual(e);
      expect(decoded.lookup('ff'.repeat(shape.hashBytes ?? 16))).toBeUndefined();

      const ours = encodeIndexV2(entries);
      expect(ours.equals(kopiaBytes)).toBe(true);
      expect(await oracleParse(ours)).toEqual(expected);
    }, 120_000);
  }

  it('reads an index with kopia random suffix the same', async () => {
    const entries = makeEntries({ count: 100, packs: 3, formats: 2, maxLength: 1 << 20, seed: 9 });
    const data = Buffer.concat([await oracleBuild(entries), randomBytes(32)]);
    expect([...IndexV2.decode(data, 'xn0_test').entries()]).toEqual(sortedUniqueEntries(entries));
  });

  it('measures encode, decode, lookup and iteration of 200k entries', () => {
    const entries = makeEntries({ count: 200_000, packs: 500, formats: 1, maxLength: 1 << 22, seed: 11 });
    let t = performance.now();
    const data = encodeIndexV2(entries);
    const encodeMs = performance.now() - t;
    t = performance.now();
    const ndx = IndexV2.decode(data, 'big');
    const openMs = performance.now() - t;
    t = performance.now();
    let n = 0;
    for (const e of entries.slice(0, 100_000)) if (ndx.lookup(e.contentId) !== undefined) n++;
    const lookupMs = performance.now() - t;
    t = performance.now();
    let m = 0;
    for (const _ of ndx.entries()) m++;
    const iterateMs = performance.now() - t;
    console.log(
      `index v2, 200k entries (${(data.length / 2 ** 20).toFixed(1)} MiB): encode ${encodeMs.toFixed(0)} ms, ` +
        `open ${openMs.toFixed(1)} ms, 100k lookups ${lookupMs.toFixed(0)} ms, iterate ${iterateMs.toFixed(0)} ms`,
    );
    expect(n).toBe(100_000);
    expect(m).toBe(ndx.count);
  }, 120_000);
});

describe('index v1 against kopia repo/content/index', () => {
  const overhead = 28; // AES-GCM's per-content overhead
  for (const [name, shape] of [
    ['one entry', { count: 1, packs: 1, formats: 1, maxLength: 1 << 20 }],
    ['many entries and packs', { count: 5000, packs: 300, formats: 1, maxLength: 1 << 26, seed: 7 }],
  ] as [string, Shape][]) {
    it(`decodes kopia's index and encodes the same bytes: ${name}`, async () => {
      const entries = makeEntries(shape).map((e) => ({
        ...e,
        compressionHeaderId: 0,
        encryptionKeyId: 0,
        packedLength: e.packedLength + overhead,
      }));
      const kopiaBytes = await oracleBuild(entries, 1);
      const expected = sortedUniqueEntries(entries).map((e) => ({
        ...e,
        originalLength: e.packedLength - overhead,
      }));
      const decoded = openIndex(kopiaBytes, 'n0', { v1PerContentOverhead: overhead });
      expect(decoded).toBeInstanceOf(IndexV1);
      expect([...decoded.entries()]).toEqual(expected);
      for (const e of expected.slice(0, 100)) expect(decoded.lookup(e.contentId)).toEqual(e);
      const ours = encodeIndexV1(entries);
      expect(ours.equals(kopiaBytes)).toBe(true);
      expect(await oracleParse(ours, overhead)).toEqual(expected);
    }, 60_000);
  }
});

describe('merge rule against kopia index.Merged', () => {
  it('merged iteration and lookup pick the entries kopia picks', async () => {
    const base = makeEntries({ count: 300, packs: 4, formats: 1, maxLength: 1 << 20, seed: 21 });
    const r = rng(22);
    // Several indexes holding versions of the same contents: same and different timestamps, deleted or not, other packs.
    const groups: IndexEntry[][] = [0, 1, 2, 3].map((g) =>
      base
        .filter(() => r() < 0.7)
        .map((e) => ({
          ...e,
          timestampSeconds: e.timestampSeconds + Math.floor(r() * 3),
          deleted: r() < 0.4,
          packBlobId: `p${g}${Math.floor(r() * 3)}`,
        })),
    );
    const kopia = JSON.parse(
      (await runOracle('index-merge', [], JSON.stringify(groups))).toString(),
    ) as IndexEntry[];
    const merged = new MergedIndex(groups.map((g, i) => IndexV2.decode(encodeIndexV2(g), `n${i}`)));
    expect([...merged.entries()]).toEqual(kopia);

    const ids = base.map((e) => e.contentId).slice(0, 100);
    const looked = JSON.parse(
      (await runOracle('index-lookup', ids, JSON.stringify(groups))).toString(),
    ) as (IndexEntry | null)[];
    expect(ids.map((id) => merged.lookup(id) ?? null)).toEqual(looked);
  }, 60_000);
});
