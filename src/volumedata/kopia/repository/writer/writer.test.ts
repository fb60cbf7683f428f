import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatObjectId } from '../../object/object-id.ts';
import { readDirectoryEntries } from '../restore.ts';
import { createSnapshot } from './snapshot-writer.ts';
import { readAheadWalk } from '../../tree/walk-read-ahead.ts';
import { describe, expect, it } from 'vitest';
import { memoryBlobs } from '../../blob/memory-blobs.ts';
import { openRepository } from '../repository.ts';
import { ContentWriter } from './content-writer.ts';
import { initializeRepository } from './initialize.ts';
import { BufferPool } from './buffer-pool.ts';
import { ObjectWriter, writeObject } from './object-writer.ts';
import { postamble } from './pack-builder.ts';
import { startCryptoPool } from '../crypto-pool.ts';
import { pooledSealer } from './seal-pool.ts';

const PASSWORD = 'pw';
const fast = { maxPackSize: 1 << 20 } as const;

async function listIds(blobs: ReturnType<typeof memoryBlobs>, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const b of blobs.listBlobs(prefix)) ids.push(b.id);
  return ids.sort();
}

// Each test derives the repository's keys (scrypt): seconds on a busy machine.
describe('ContentWriter', { timeout: 60_000 }, () => {
  it('packs, deduplicates, indexes and reads back', async () => {
    const blobs = memoryBlobs();
    await initializeRepository(blobs, PASSWORD, fast);
    const repo = await openRepository(blobs, PASSWORD);
    const w = new ContentWriter(repo);
    const data = [randomBytes(700_000), randomBytes(700_000), randomBytes(10)];
    const ids = [];
    for (const d of data) ids.push(await w.writeContent(d));
    expect(await w.writeContent(Buffer.from(data[0] ?? ''))).toBe(ids[0]);
    const meta = await w.writeContent(Buffer.from('{"x":1}'.repeat(100)), 'k', 'zstd-fastest');
    expect(w.stats.writtenContents).toBe(4);
    expect(w.stats.packs).toBe(1); // the first p pack filled past 1 MiB
    expect(await listIds(blobs, 'xn')).toEqual([]); // nothing indexed before flush
    await w.flush();
    const index = await listIds(blobs, 'xn0_');
    expect(index).toHaveLength(1);
    expect(index[0]).toMatch(/^xn0_[0-9a-f]{32}-s[0-9a-f]{16}[0-9a-f]+-c1$/);
    expect(await listIds(blobs, 'p')).toHaveLength(2);
    expect(await listIds(blobs, 'q')).toHaveLength(1);
    expect(await listIds(blobs, 's')).toEqual([]); // the session marker is gone once indexed

    await repo.refreshIndex();
    for (const [i, id] of ids.entries()) expect(await repo.getContent(id)).toEqual(data[i]);
    expect(repo.contentInfo(meta)?.compressionHeaderId).toBe(0x1101);

    const again = new ContentWriter(repo);
    for (const d of data) await again.writeContent(d);
    await again.flush();
    expect(again.stats.writtenContents).toBe(0); // deduplicated against the committed index
    expect(await listIds(blobs, 'xn0_')).toHaveLength(1);
  });

  it('has a worker hash shared chunks and seal them straight into shared pack buffers', async () => {
    const blobs = memoryBlobs();
    await initializeRepository(blobs, PASSWORD, fast);
    const repo = await openRepository(blobs, PASSWORD);
    const pool = startCryptoPool(repo, { workers: 1 });
    if (pool === undefined) throw new Error('the worker module is missing');
    try {
      const w = new ContentWriter(repo, { sealer: pooledSealer(repo, pool) });
      const chunks = new BufferPool(400_000, 8, { shared: true });
      const data = Array.from({ length: 7 }, (_, i) => randomBytes(i === 6 ? 1000 : 300_000));
      // Written at once: contents are encrypted into a pack while the next ones are added to it.
      const ids = await Promise.all(
        data.map((d) => {
          const chunk = chunks.take().subarray(0, d.length);
          d.copy(chunk);
          return w.writeContent(chunk);
        }),
      );
      await w.flush();
      expect(w.stats.packs).toBe(2); // a 1 MiB pack is stored once a content fills it: 4 + 3 contents
      // 6 hashes and 6 seals of the large contents on the worker; the small one stayed here.
      expect(pool.answered).toBe(12);
      await repo.refreshIndex();
      for (const [i, id] of ids.entries()) expect(await repo.getContent(id)).toEqual(data[i]);
    } finally {
      await pool.close();
    }
  });

  it('writes a multi-chunk object as an indirect object with an x-prefixed list', async () => {
    const blobs = memoryBlobs();
    await initializeRepository(blobs, PASSWORD, { ...fast, splitter: 'FIXED-128K' });
    const repo = await openRepository(blobs, PASSWORD);
    const w = new ContentWriter(repo);
    const oid = await writeObject(w, randomBytes(300_000), {
      splitter: 'FIXED-128K',
      metadataCompressor: 'zstd-fastest',
    });
    expect(oid.indirection).toBe(1);
    expect(oid.contentId.startsWith('x')).toBe(true);
    const empty = await writeObject(w, Buffer.alloc(0), { splitter: 'FIXED-128K' });
    expect(empty.indirection).toBe(0);
    await w.flush();
  });

  it('cuts an object read into pooled chunk buffers where writing it whole cuts it', async () => {
    const blobs = memoryBlobs();
    const splitter = 'DYNAMIC-128K-BUZHASH';
    await initializeRepository(blobs, PASSWORD, { ...fast, splitter });
    const repo = await openRepository(blobs, PASSWORD);
    const w = new ContentWriter(repo);
    const data = randomBytes(1_500_000);
    const whole = await writeObject(w, data, { splitter, metadataCompressor: 'zstd-fastest' });
    expect(whole.indirection).toBe(1);
    const pool = new BufferPool(256 * 1024, 2);
    const reader = new ObjectWriter(w, { splitter, metadataCompressor: 'zstd-fastest' });
    let at = 0;
    let reads = 0;
    const read = (buf: Buffer, offset: number, length: number) => {
      // Uneven short reads, so cuts fall inside reads and bytes past them are carried over.
      const n = Math.min(length, data.length - at, 1000 + ((reads++ * 7919) % 90_000));
      data.copy(buf, offset, at, at + n);
      at += n;
      return Promise.resolve(n);
    };
    expect(await reader.readFrom(read, pool)).toBe(data.length);
    expect(await reader.result()).toEqual(whole);
    await w.flush();
    await repo.refreshIndex();
  });

  it('with shortReadEnds, reads a small file once and a large one to its end, as whole writes cut them', async () => {
    const blobs = memoryBlobs();
    const splitter = 'DYNAMIC-128K-BUZHASH';
    await initializeRepository(blobs, PASSWORD, { ...fast, splitter });
    const repo = await openRepository(blobs, PASSWORD);
    const w = new ContentWriter(repo);
    const pool = new BufferPool(256 * 1024, 2);
    for (const size of [10_000, 700_000]) {
      const data = randomBytes(size);
      const whole = await writeObject(w, data, { splitter, metadataCompressor: 'zstd-fastest' });
      let at = 0;
      let reads = 0;
      const read = (buf: Buffer, offset: number, length: number) => {
        reads++;
        const n = Math.min(length, data.length - at);
        data.copy(buf, offset, at, at + n);
        at += n;
        return Promise.resolve(n);
      };
      const reader = new ObjectWriter(w, { splitter, metadataCompressor: 'zstd-fastest' });
      expect(await reader.readFrom(read, pool, { shortReadEnds: true })).toBe(size);
      expect(await reader.result()).toEqual(whole);
      if (size === 10_000) expect(reads).toBe(1);
    }
  });

  it("keeps the parent snapshot's object of every directory that did not change", async () => {
    const src = await mkdtemp(join(tmpdir(), 'lifeboat-unchanged-'));
    try {
      for (const d of ['a/b', 'a/c', 'd']) await mkdir(join(src, d), { recursive: true });
      for (const f of ['a/b/f1', 'a/c/f2', 'd/f3', 'top']) await writeFile(join(src, f), f);
      const blobs = memoryBlobs();
      await initializeRepository(blobs, PASSWORD, fast);
      const source = { host: 'h', userName: 'u', path: '/src' };
      const snap = async () => createSnapshot(await openRepository(blobs, PASSWORD), src, { source });
      const first = await snap();
      expect(first.stats.unchangedDirs).toBe(0);
      const same = await snap();
      expect(same.stats.unchangedDirs).toBe(5);
      expect(same.rootEntry?.obj).toEqual(first.rootEntry?.obj);

      await writeFile(join(src, 'a/b/f1'), 'changed');
      await utimes(join(src, 'a/b/f1'), 1_700_000_000, 1_700_000_000);
      const changed = await snap();
      expect(changed.stats.unchangedDirs).toBe(2); // a/c and d; a/b, a and the root are new
      expect(changed.rootEntry?.obj).not.toEqual(first.rootEntry?.obj);
      const repo = await openRepository(blobs, PASSWORD);
      const root = await readDirectoryEntries(repo, formatObjectId(changed.rootEntry!.obj));
      const a = root.find((e) => e.name === 'a');
      const inA = await readDirectoryEntries(repo, formatObjectId(a!.obj));
      expect(inA.map((e) => e.name)).toEqual(['b', 'c']);
      expect(a?.summ).toMatchObject({ files: 2, dirs: 3, size: 'changed'.length + 'a/c/f2'.length });
    } finally {
      await rm(src, { recursive: true, force: true });
    }
  });

  it('writes the same snapshot from a walk read ahead, bound reached or not', async () => {
    const src = await mkdtemp(join(tmpdir(), 'lifeboat-read-ahead-'));
    try {
      for (const d of ['a/b', 'a/c', 'd', 'e']) await mkdir(join(src, d), { recursive: true });
      for (const f of ['a/b/f1', 'a/c/f2', 'd/f3', 'top']) await writeFile(join(src, f), f);
      await writeFile(join(src, 'a/big'), randomBytes(3 << 20));
      const blobs = memoryBlobs();
      await initializeRepository(blobs, PASSWORD, fast);
      const repo = await openRepository(blobs, PASSWORD);
      const source = { host: 'h', userName: 'u', path: '/src' };
      const plain = await createSnapshot(repo, src, { source, parent: 'none' });
      for (const maxEntries of [1, 1000]) {
        const walk = readAheadWalk(src, { maxEntries });
        const ahead = await createSnapshot(repo, src, { source, parent: 'none', walk });
        expect(formatObjectId(ahead.rootEntry!.obj)).toBe(formatObjectId(plain.rootEntry!.obj));
        expect(ahead.stats).toMatchObject({ fileCount: 5, dirCount: 6, totalSize: plain.stats.totalSize });
      }
    } finally {
      await rm(src, { recursive: true, force: true });
    }
  });

  it('refuses to initialize a storage that is not empty', async () => {
    const blobs = memoryBlobs();
    await blobs.putBlob('stray', Buffer.from('x'));
    await expect(initializeRepository(blobs, PASSWORD, fast)).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
  });
});

describe('postamble', () => {
  it("encodes kopia's packContentPostamble: varints, IV, CRC-32 and its own length last", () => {
    const iv = Buffer.alloc(16, 0xab);
    const p = postamble(iv, 300, 5000);
    // 1, 16, iv, 300 = ac 02, 5000 = 88 27
    expect(p.subarray(0, 2)).toEqual(Buffer.from([1, 16]));
    expect(p.subarray(18, 22)).toEqual(Buffer.from([0xac, 0x02, 0x88, 0x27]));
    expect(p.at(-1)).toBe(p.length - 1);
  });
});
