import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { Readable } from 'node:stream';
import { MemoryObjectStore } from './providers/memory/memory-store.ts';
import { RetryingObjectStore } from './retrying-store.ts';

const transient = () => new LifeboatError('UNREACHABLE', 'down', { details: { transient: true } });
const permanent = () => new LifeboatError('UNAUTHENTICATED', 'bad key', { details: { transient: false } });

function setup(failures: number, make = transient, only?: string) {
  const delays: number[] = [];
  let calls = 0;
  const inner = new MemoryObjectStore({
    fault: (op) => {
      if (only !== undefined && op !== only) return undefined;
      calls++;
      return calls <= failures ? make() : undefined;
    },
  });
  const store = new RetryingObjectStore(inner, {
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 250,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
    random: () => 1,
  });
  return { inner, store, delays, calls: () => calls };
}

describe('RetryingObjectStore', () => {
  it('retries transient errors with exponential, capped backoff', async () => {
    const { store, delays, calls } = setup(3);
    await store.put('k', 'v');
    expect(calls()).toBe(4);
    expect(delays).toEqual([100, 200, 250]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { store, calls } = setup(10);
    await expect(store.head('k')).rejects.toMatchObject({ code: 'UNREACHABLE' });
    expect(calls()).toBe(4);
  });

  it('does not retry permanent errors', async () => {
    const { store, calls } = setup(10, permanent);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(calls()).toBe(1);
  });

  it('does not retry a put with a stream body (it is consumed)', async () => {
    const { store, calls } = setup(1);
    await expect(store.put('k', Readable.from(['x']))).rejects.toMatchObject({ code: 'UNREACHABLE' });
    expect(calls()).toBe(1);
  });

  it('applies jitter within the backoff ceiling', async () => {
    const delays: number[] = [];
    let n = 0;
    const inner = new MemoryObjectStore({ fault: () => (n++ < 2 ? transient() : undefined) });
    const store = new RetryingObjectStore(inner, {
      baseDelayMs: 1000,
      sleep: (ms) => (delays.push(ms), Promise.resolve()),
      random: () => 0.5,
    });
    await store.delete('k');
    expect(delays).toEqual([500, 1000]);
  });

  it('resumes a listing after the last key it yielded', async () => {
    const inner = new MemoryObjectStore();
    for (const k of ['p/a', 'p/b', 'p/c']) await inner.put(k, k);
    let failedOnce = false;
    const flaky: typeof inner = Object.create(inner) as typeof inner;
    flaky.list = async function* (prefix: string) {
      let i = 0;
      for await (const info of inner.list(prefix)) {
        if (i++ === 2 && !failedOnce) {
          failedOnce = true;
          throw transient();
        }
        yield info;
      }
    };
    const store = new RetryingObjectStore(flaky, { sleep: () => Promise.resolve() });
    const keys: string[] = [];
    for await (const info of store.list('p/')) keys.push(info.key);
    expect(keys).toEqual(['p/a', 'p/b', 'p/c']);
    expect(failedOnce).toBe(true);
  });
});
