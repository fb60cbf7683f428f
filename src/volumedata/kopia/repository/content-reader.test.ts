import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pooledOpener } from './content-opener.ts';
import { type CryptoPool, startCryptoPool } from './crypto-pool.ts';
import { memoryRepository, PASSWORD } from './memory-repository.test-support.ts';
import { type KopiaRepository, openRepository } from './repository.ts';

describe('contents lent while worker threads open them', { timeout: 120_000 }, () => {
  let repo: KopiaRepository;
  let pool: CryptoPool;
  const data = new Map<string, Buffer>();

  beforeAll(async () => {
    const memory = await memoryRepository();
    for (const size of [300_000, 300_000, 20_000, 20_000]) {
      const bytes = randomBytes(size);
      data.set(memory.add('', bytes), bytes);
    }
    await memory.flush();
    repo = await openRepository(memory.blobs, PASSWORD);
    const started = startCryptoPool(repo, { workers: 1 });
    if (started === undefined) throw new Error('the worker module is missing');
    pool = started;
  }, 120_000);

  afterAll(async () => {
    await pool.close();
  });

  const ids = (length: number) => [...data].filter(([, d]) => d.length === length).map(([id]) => id);

  it('hands a read buffer over and back, and lends it again once released', async () => {
    const opener = pooledOpener(repo, pool);
    const [first, second] = ids(300_000);
    if (first === undefined || second === undefined) throw new Error('no contents');
    const before = pool.answered;
    const a = await repo.getContentLease(first, opener);
    expect(a.data.equals(data.get(first) ?? Buffer.alloc(0))).toBe(true);
    a.release();
    const b = await repo.getContentLease(second, opener);
    expect(b.data.equals(data.get(second) ?? Buffer.alloc(0))).toBe(true);
    expect(pool.answered).toBe(before + 2);
    // The second content was read into the memory the first gave back and handed over with it:
    // the first's view of it is detached.
    expect(a.data).toHaveLength(0);
    b.release();
  });

  it('keeps a small content opened in place lent until it is released', async () => {
    const opener = pooledOpener(repo, pool);
    const [first, second] = ids(20_000);
    if (first === undefined || second === undefined) throw new Error('no contents');
    const a = await repo.getContentLease(first, opener);
    const b = await repo.getContentLease(second, opener);
    expect(a.data.equals(data.get(first) ?? Buffer.alloc(0))).toBe(true);
    expect(b.data.equals(data.get(second) ?? Buffer.alloc(0))).toBe(true);
    a.release();
    b.release();
  });

  it('serves planned contents of a shared range from copies, leaving the range intact', async () => {
    const opener = pooledOpener(repo, pool);
    const all = [...data.keys()];
    const planned = repo.plannedReads(all);
    const leases = [];
    for (const id of all) leases.push({ id, lease: await planned.getContentLease(id, opener) });
    for (const { id, lease } of leases) expect(lease.data.equals(data.get(id) ?? Buffer.alloc(0))).toBe(true);
    for (const { lease } of leases) lease.release();
  });
});
