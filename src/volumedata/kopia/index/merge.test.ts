import { describe, expect, it } from 'vitest';
import { contentIdToKey } from './content-id.ts';
import type { IndexEntry, PackIndex } from './index-entry.ts';
import { entryWins, hiddenByWatermark, MergedIndex, mergeSorted, sortedUniqueEntries } from './merge.ts';

function entry(over: Partial<IndexEntry>): IndexEntry {
  return {
    contentId: 'aa',
    packBlobId: 'p1',
    packOffset: 0,
    packedLength: 1,
    originalLength: 1,
    timestampSeconds: 100,
    deleted: false,
    compressionHeaderId: 0,
    formatVersion: 2,
    encryptionKeyId: 0,
    ...over,
  };
}

function fakeIndex(entries: IndexEntry[]): PackIndex {
  const sorted = sortedUniqueEntries(entries);
  return {
    blobId: 'fake',
    count: sorted.length,
    lookup: (id) => sorted.find((e) => e.contentId === id),
    lookupKey: (key) => sorted.find((e) => Buffer.from(key).equals(contentIdToKey(e.contentId))),
    entries: () => sorted[Symbol.iterator](),
  };
}

describe('entryWins (kopia contentInfoGreaterThanStruct)', () => {
  // Every combination of timestamp, deleted flag and pack for two entries of the same content.
  const variants: IndexEntry[] = [];
  for (const timestampSeconds of [99, 100, 101])
    for (const deleted of [false, true])
      for (const packBlobId of ['p1', 'p2', 'q'])
        variants.push(entry({ timestampSeconds, deleted, packBlobId }));

  it('is the rule: later time, then live over deleted, then greater pack', () => {
    for (const a of variants)
      for (const b of variants) {
        const expected =
          a.timestampSeconds !== b.timestampSeconds
            ? a.timestampSeconds > b.timestampSeconds
            : a.deleted !== b.deleted
              ? !a.deleted
              : a.packBlobId > b.packBlobId;
        expect(entryWins(a, b)).toBe(expected);
      }
  });

  it('is a strict order: never both ways, and the winner does not depend on order', () => {
    for (const a of variants)
      for (const b of variants) {
        expect(entryWins(a, b) && entryWins(b, a)).toBe(false);
        const ab = sortedUniqueEntries([a, b])[0];
        const ba = sortedUniqueEntries([b, a])[0];
        if (
          a.timestampSeconds !== b.timestampSeconds ||
          a.deleted !== b.deleted ||
          a.packBlobId !== b.packBlobId
        ) {
          expect(ab).toEqual(ba);
        }
      }
  });

  it('merged lookup and iteration agree with the rule across indexes, whatever their order', () => {
    for (const a of variants)
      for (const b of variants)
        for (const c of variants.slice(0, 6)) {
          const groups = [[a], [b, entry({ contentId: 'bb' })], [c]];
          const m1 = new MergedIndex(groups.map(fakeIndex));
          const m2 = new MergedIndex([...groups].reverse().map(fakeIndex));
          const winner = sortedUniqueEntries([a, b, c])[0];
          expect(m1.lookup('aa')).toEqual(winner);
          expect(m2.lookup('aa')).toEqual(winner);
          expect([...m1.entries()].map((e) => e.contentId)).toEqual(['aa', 'bb']);
          expect([...m1.entries()][0]).toEqual(winner);
        }
  });
});

describe('deletion watermark (kopia shouldIgnore)', () => {
  it('hides deletion markers at or before the watermark only', () => {
    expect(hiddenByWatermark(entry({ deleted: true, timestampSeconds: 100 }), 100)).toBe(true);
    expect(hiddenByWatermark(entry({ deleted: true, timestampSeconds: 101 }), 100)).toBe(false);
    expect(hiddenByWatermark(entry({ deleted: false, timestampSeconds: 1 }), 100)).toBe(false);
    expect(hiddenByWatermark(entry({ deleted: true, timestampSeconds: 1 }), undefined)).toBe(false);
    const m = new MergedIndex(
      [fakeIndex([entry({ deleted: true, timestampSeconds: 50 }), entry({ contentId: 'bb' })])],
      60,
    );
    expect(m.lookup('aa')).toBeUndefined();
    expect([...m.entries()].map((e) => e.contentId)).toEqual(['bb']);
  });
});

describe('mergeSorted', () => {
  it('merges in kopia content ID order: unprefixed first, then g..z', () => {
    const a = fakeIndex([
      entry({ contentId: 'k01' }),
      entry({ contentId: 'ff' }),
      entry({ contentId: '00' }),
    ]);
    const b = fakeIndex([
      entry({ contentId: 'g00' }),
      entry({ contentId: '10' }),
      entry({ contentId: 'z00' }),
    ]);
    expect([...mergeSorted([a.entries(), b.entries()])].map((e) => e.contentId)).toEqual([
      '00',
      '10',
      'ff',
      'g00',
      'k01',
      'z00',
    ]);
  });
});
