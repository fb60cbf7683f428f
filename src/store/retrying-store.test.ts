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

  it('retries a range read; a range past the end is not retried', async () => {
    const { inner, store, calls } = setup(2, transient, 'getRange');
    await inner.put('pack', Buffer.from('0123456789'));
    expect((await store.getRange('pack', 2, 3)).toString()).toBe('234');
    expect(calls()).toBe(3);
    await expect(store.getRange('pack', 8, 3)).rejects.toMatchObject({ code: 'CORRUPT' });
    expect(calls()).toBe(4);
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

  it('a create-only put that landed before its answer was lost succeeds on retry; a taken key still fails', async () => {
    let lost = 0;
    const inner = new MemoryObjectStore();
    const put = inner.put.bind(inner);
    // Every first attempt writes, then its answer is lost in transit (a transient error).
    inner.put = async (key, body, options) => {
      await put(key, body, options);
      if (lost++ === 0) throw transient();
    };
    const store = new RetryingObjectStore(inner, { maxAttempts: 4, sleep: () => Promise.resolve() });
    await store.put('claim', 'nonce-1', { ifNoneMatch: '*' });
    expect(await text(await inner.get('claim'))).toBe('nonce-1');
    // Another writer's bytes at the key: a retry must not take them for its own.
    await put('taken', 'other writer');
    lost = 1;
    let first = true;
    inner.put = async (key, body, options) => {
      if (first) {
        first = false;
        throw transient(); // lost before it reached the store
      }
      await put(key, body, options);
    };
    await expect(store.put('taken', 'nonce-2', { ifNoneMatch: '*' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    expect(await text(await inner.get('taken'))).toBe('other writer');
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

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
