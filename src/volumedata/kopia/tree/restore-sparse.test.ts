import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryTree } from './memory-tree.test-support.ts';
import { restoreTree } from './restore-tree.ts';

const MiB = 1024 * 1024;
let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lifeboat-sparse-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** size bytes in chunks of chunkSize: zeros, except `dataEvery`-th chunks of a repeating non-zero pattern. */
function* pattern(size: number, chunkSize: number, dataEvery: number): Generator<Buffer> {
  const zero = Buffer.alloc(chunkSize);
  const data = Buffer.alloc(chunkSize);
  for (let i = 0; i < chunkSize; i++) data[i] = (i * 31 + 7) & 0xff || 1;
  for (let at = 0, n = 0; at < size; at += chunkSize, n++) {
    const len = Math.min(chunkSize, size - at);
    const chunk = n % dataEvery === 0 ? data : zero;
    yield chunk.subarray(0, len);
  }
}

function sha(chunks: Iterable<Buffer>): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

async function shaFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: MiB })) h.update(c as Buffer);
  return h.digest('hex');
}

// Restores of 64 MiB to 1 GiB files: seconds each on a busy machine.
describe('sparse restore', { timeout: 60_000 }, () => {
  it('keeps zero blocks of a 64 MiB file as holes, unaligned chunks and a trailing hole included', async () => {
    const size = 64 * MiB + 1000;
    // 100_000-byte chunks straddle 4 KiB blocks; every 8th chunk holds data, the tail is zeros.
    const gen = () => pattern(size, 100_000, 8);
    const t = new MemoryTree();
    const root = t.dir('', [t.generated('sparse', size, gen), t.generated('dense', size, gen)]);
    const target = join(base, 't');
    const stats = await restoreTree(t, target, { root });
    const sparse = await stat(join(target, 'sparse'));
    expect(sparse.size).toBe(size);
    expect(await shaFile(join(target, 'sparse'))).toBe(sha(gen()));
    const onDisk = sparse.blocks * 512;
    expect(onDisk).toBeLessThan(size / 4);
    expect(stats.holeBytes).toBeGreaterThan(2 * size * 0.8);
    const t2 = new MemoryTree();
    const root2 = t2.dir('', [t2.generated('dense', size, gen)]);
    await restoreTree(t2, join(base, 'd'), { root: root2, sparse: false });
    expect((await stat(join(base, 'd', 'dense'))).blocks * 512).toBeGreaterThanOrEqual(size);
  });

  it('restores a 1 GiB file of one data block per 64 MiB in a few MiB of disk', async () => {
    const size = 1024 * MiB;
    const t = new MemoryTree();
    const root = t.dir('', [t.generated('big', size, () => pattern(size, MiB, 64))]);
    const started = performance.now();
    await restoreTree(t, join(base, 't'), { root });
    const st = await stat(join(base, 't', 'big'));
    expect(st.size).toBe(size);
    const onDisk = st.blocks * 512;
    console.log(
      `1 GiB sparse restore: ${(performance.now() - started).toFixed(0)} ms, ${onDisk / MiB} MiB on disk`,
    );
    expect(onDisk).toBeLessThanOrEqual(16 * MiB + 64 * 1024);
  });

  it('restores 200 MiB across files with flat memory', async () => {
    const t = new MemoryTree();
    const chunk = Buffer.alloc(256 * 1024, 0x5a);
    const files = Array.from({ length: 20 }, (_, i) =>
      t.generated(`f${i}`, 10 * MiB, function* () {
        for (let n = 0; n < 40; n++) yield chunk;
      }),
    );
    const root = t.dir('', [t.dir('a', files.slice(0, 10)), t.dir('b', files.slice(10))]);
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const started = performance.now();
    try {
      const stats = await restoreTree(t, join(base, 't'), { root, concurrency: 8 });
      expect(stats.bytes).toBe(200 * MiB);
    } finally {
      clearInterval(timer);
    }
    const ms = performance.now() - started;
    console.log(
      `200 MiB restore: ${ms.toFixed(0)} ms (${((200 / ms) * 1000).toFixed(0)} MiB/s), RSS +${((peak - before) / MiB).toFixed(1)} MiB`,
    );
    // Bounded well below the data restored (RSS also holds the heap's garbage until a collection).
    expect(peak - before).toBeLessThan(100 * MiB);
  });
});
