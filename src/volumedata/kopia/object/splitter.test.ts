import { describe, expect, it } from 'vitest';
import { createSplitter, SPLITTER_NAMES } from './splitter.ts';

// Boundaries against kopia's own splitter: test/integration/kopia-object.test.ts.

describe('createSplitter', () => {
  it('knows kopia’s names and sizes', () => {
    expect(SPLITTER_NAMES).toHaveLength(23);
    const s = createSplitter('DYNAMIC-4M-BUZHASH');
    expect([s.minSegmentSize, s.maxSegmentSize]).toEqual([2 << 20, 8 << 20]);
    expect(createSplitter('FIXED-128K').maxSegmentSize).toBe(128 << 10);
  });

  it('refuses RABINKARP and unknown names as UNSUPPORTED', () => {
    expect(() => createSplitter('DYNAMIC-4M-RABINKARP')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
    expect(() => createSplitter('NOPE')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });

  it('cuts a fixed splitter across chunks, and zeros at the dynamic minimum', () => {
    const fixed = createSplitter('FIXED-128K');
    expect(fixed.nextSplitPoint(new Uint8Array(100_000))).toBe(-1);
    expect(fixed.nextSplitPoint(new Uint8Array(100_000))).toBe(131_072 - 100_000);
    const dynamic = createSplitter('DYNAMIC-128K-BUZHASH');
    // 64 zero bytes hash to 0 (each bit of the table value is rotated in twice): a cut at once.
    expect(dynamic.nextSplitPoint(new Uint8Array(300_000))).toBe(64 << 10);
    dynamic.reset();
    expect(dynamic.nextSplitPoint(new Uint8Array(1000))).toBe(-1);
  });
});
