import { describe, expect, it } from 'vitest';
import { READ_AHEAD, readAhead } from './read-ahead.ts';

const MiB = 1024 * 1024;

/** Entries of the given sizes; reads resolve on the next tick and track the bytes held unconsumed. */
function fixture(sizes: readonly number[]) {
  const entries = sizes.map((bytes, i) => ({ path: `p${i}`, bytes }));
  const size = new Map(entries.map((e) => [e.path, e.bytes]));
  let held = 0;
  let peak = 0;
  let peakCount = 0;
  let count = 0;
  const read = async (path: string) => {
    held += size.get(path) ?? 0;
    count++;
    peak = Math.max(peak, held);
    peakCount = Math.max(peakCount, count);
    await new Promise((resolve) => setImmediate(resolve));
    return path;
  };
  const consume = (path: string) => {
    held -= size.get(path) ?? 0;
    count--;
  };
  const bytesOf = (path: string) => size.get(path) ?? 0;
  return { entries, read, consume, bytesOf, peak: () => peak, peakCount: () => peakCount };
}

async function drain(f: ReturnType<typeof fixture>, bounds = READ_AHEAD): Promise<string[]> {
  const out: string[] = [];
  for await (const [entry, value] of readAhead(f.entries, f.read, f.bytesOf, bounds)) {
    expect(value).toBe(entry.path);
    out.push(value);
    f.consume(value);
  }
  return out;
}

describe('readAhead', () => {
  it('keeps 32 small items in flight, in order', async () => {
    const f = fixture(Array.from({ length: 200 }, () => 2048));
    expect(await drain(f)).toEqual(f.entries.map((e) => e.path));
    expect(f.peakCount()).toBe(32);
  });

  it('holds at most 32 MiB of large items (32 × 20 MiB before)', async () => {
    const f = fixture(Array.from({ length: 40 }, () => 20 * MiB));
    expect(await drain(f)).toHaveLength(40);
    expect(f.peak()).toBeLessThanOrEqual(READ_AHEAD.bytes);
    expect(f.peakCount()).toBe(1);
  });

  it('reads an item larger than the budget alone, then goes on', async () => {
    const f = fixture([1000, 5000, 1000, 1000, 1000]);
    expect(await drain(f, { items: 8, bytes: 2500 })).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(f.peak()).toBe(5000);
  });

  it('passes a read failure through at its place in the order', async () => {
    const entries = [{ path: 'a' }, { path: 'b' }, { path: 'c' }];
    const read = (path: string) =>
      path === 'b' ? Promise.reject(new Error('bad b')) : Promise.resolve(path);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const [, v] of readAhead(entries, read, () => 1)) seen.push(v);
      })(),
    ).rejects.toThrow('bad b');
    expect(seen).toEqual(['a']);
  });
});
