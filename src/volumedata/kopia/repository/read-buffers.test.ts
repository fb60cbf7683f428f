import { describe, expect, it } from 'vitest';
import { ReadBuffers, readBufferSize } from './read-buffers.ts';

describe('ReadBuffers', () => {
  it('sizes new buffers within an eighth of a power of two', () => {
    expect(readBufferSize(1)).toBe(16 << 10);
    expect(readBufferSize(4 << 20)).toBe(4 << 20);
    expect(readBufferSize((4 << 20) + 1)).toBe(4.5 * (1 << 20));
    for (const n of [20_000, 1_234_567, 8_388_636]) {
      expect(readBufferSize(n)).toBeGreaterThanOrEqual(n);
      expect(readBufferSize(n)).toBeLessThanOrEqual(n * 1.125);
    }
  });

  it('lends the memory of a buffer given back, once, and never one still lent', () => {
    const pool = new ReadBuffers(1 << 20);
    const a = pool.take(100_000);
    expect(a).toHaveLength(100_000);
    const b = pool.take(100_000);
    expect(b.buffer).not.toBe(a.buffer);
    pool.give(a);
    pool.give(a); // twice: kept once
    const c = pool.take(90_000);
    expect(c.buffer).toBe(a.buffer);
    expect(pool.take(90_000).buffer).not.toBe(a.buffer);
    pool.give(Buffer.alloc(100_000)); // not lent here: ignored
    expect(pool.take(100_000).buffer).not.toBe(a.buffer);
  });

  it('reuses a buffer only for a length within a quarter of its size, and keeps at most the bound free', () => {
    const pool = new ReadBuffers(300_000);
    const big = pool.take(200_000);
    pool.give(big);
    expect(pool.take(50_000).buffer).not.toBe(big.buffer); // too wasteful
    expect(pool.take(150_000).buffer).not.toBe(big.buffer);
    const again = pool.take(180_000);
    expect(again.buffer).toBe(big.buffer);
    const others = [pool.take(200_000), pool.take(200_000)];
    for (const o of others) pool.give(o);
    pool.give(again);
    // only one of the three fits the bound
    const got = new Set([pool.take(200_000).buffer, pool.take(200_000).buffer]);
    expect([big.buffer, ...others.map((o) => o.buffer)].filter((m) => got.has(m))).toHaveLength(1);
  });

  it('lends again memory a worker handed back once adopted, and nothing it was not given', () => {
    const pool = new ReadBuffers(1 << 20);
    const back = new ArrayBuffer(readBufferSize(100_000));
    pool.give(Buffer.from(back, 0, 100_000)); // not adopted: ignored
    expect(pool.take(100_000).buffer).not.toBe(back);
    pool.adopt(back);
    pool.give(Buffer.from(back, 0, 100_000));
    expect(pool.take(100_000).buffer).toBe(back);
    const tiny = new ArrayBuffer(100);
    pool.adopt(tiny); // a size take never pools
    pool.give(Buffer.from(tiny));
    expect(pool.take(100).buffer).not.toBe(tiny);
  });

  it('leaves very small and very large reads to fresh memory', () => {
    const pool = new ReadBuffers();
    const tiny = pool.take(100);
    pool.give(tiny);
    expect(pool.take(100).buffer === tiny.buffer && tiny.byteOffset === 0).toBe(false);
    const huge = pool.take(20 << 20);
    expect(huge).toHaveLength(20 << 20);
  });
});
