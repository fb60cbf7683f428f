import { describe, expect, it } from 'vitest';
import { ByteCache } from './byte-cache.ts';

const bytes = (n: number) => Buffer.alloc(n);

describe('ByteCache', () => {
  it('shares a load under way, keeps what fits, and evicts the least recently used past its limit', async () => {
    const cache = new ByteCache(10, 6);
    let loads = 0;
    const load = (n: number) => () => {
      loads++;
      return Promise.resolve(bytes(n));
    };
    const first = cache.load('a', load(4));
    const shared = cache.find('a'); // the load under way, not a second one
    expect(shared).toBeInstanceOf(Promise);
    expect(await shared).toBe(await first);
    await cache.load('b', load(4));
    expect(cache.find('a')).toHaveLength(4); // a is now more recent than b
    await cache.load('c', load(4)); // 12 bytes: b, the least recently used, goes
    expect(cache.find('b')).toBeUndefined();
    expect(cache.find('a')).toHaveLength(4);
    expect(cache.find('c')).toHaveLength(4);
    await cache.load('big', load(7)); // larger than 6: returned, not kept
    expect(cache.find('big')).toBeUndefined();
    expect(loads).toBe(4);
    cache.clear();
    expect(cache.find('a')).toBeUndefined();
  });

  it('a failed load is not kept and can be tried again', async () => {
    const cache = new ByteCache(10, 10);
    await expect(cache.load('x', () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    expect(cache.find('x')).toBeUndefined();
    expect(await cache.load('x', () => Promise.resolve(bytes(3)))).toHaveLength(3);
  });
});
