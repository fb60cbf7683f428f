import { constants, type NodeGCPerformanceDetail, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { droppedPieces, PIECE_GARBAGE_EVERY } from './piece-garbage.ts';

/** Young-generation collections seen while fn runs (and the observer's entries arrive). */
async function minorCollections(fn: () => void): Promise<number> {
  let minor = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as { detail?: NodeGCPerformanceDetail }).detail;
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    fn();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    observer.disconnect();
  }
  return minor;
}

describe('dropped cipher pieces', () => {
  it('are collected young every PIECE_GARBAGE_EVERY bytes, not before', async () => {
    // Nothing here allocates: every collection seen is one droppedPieces asked for.
    const below = await minorCollections(() => droppedPieces(PIECE_GARBAGE_EVERY / 2 - 1));
    expect(below).toBe(0);
    const ten = await minorCollections(() => {
      droppedPieces(PIECE_GARBAGE_EVERY / 2 + 1); // completes the first PIECE_GARBAGE_EVERY
      for (let i = 0; i < 9; i++) droppedPieces(PIECE_GARBAGE_EVERY);
    });
    expect(ten).toBeGreaterThanOrEqual(10);
  });
});
