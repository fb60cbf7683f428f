import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../errors/index.ts';
import type { BlobStorage } from '../blob/blob-storage.ts';
import type { IndexEntry } from '../index/index-entry.ts';
import { memoryRepository, PASSWORD } from './memory-repository.test-support.ts';
import { PackReadPlan, type PackRangeRead } from './pack-reads.ts';
import { openRepository } from './repository.ts';

function entry(contentId: string, packBlobId: string, packOffset: number, packedLength: number): IndexEntry {
  return {
    contentId,
    packBlobId,
    packOffset,
    packedLength,
    originalLength: packedLength,
    timestampSeconds: 0,
    deleted: false,
    compressionHeaderId: 0,
    formatVersion: 2,
    encryptionKeyId: 0,
  };
}

/** Packs in memory; every range read is recorded. */
function packs(contents: Record<string, Buffer>) {
  const reads: string[] = [];
  const read: PackRangeRead = (pack, offset, length) => {
    reads.push(`${pack}@${offset}+${length}`);
    const data = contents[pack];
    if (data === undefined || offset + length > data.length)
      return Promise.reject(new Error('no such range'));
    return Promise.resolve(Buffer.from(data.subarray(offset, offset + length)));
  };
  return { read, reads };
}

describe('PackReadPlan', () => {
  it('lends ranges from reused buffers and gives one back only when every content of it is released', async () => {
    const p1 = randomBytes(10_000);
    const { read } = packs({ p1 });
    const given: Buffer[] = [];
    const taken: Buffer[] = [];
    const buffers = {
      take: (n: number) => {
        const b = Buffer.alloc(n);
        taken.push(b);
        return b;
      },
      give: (b: Buffer) => given.push(b),
    };
    const into: PackRangeRead = async (pack, offset, length, buf) => {
      const data = await read(pack, offset, length);
      return buf === undefined ? data : buf.subarray(0, data.copy(buf));
    };
    const list = [entry('a', 'p1', 0, 100), entry('b', 'p1', 100, 100), entry('c', 'p1', 300, 50)];
    const plan = new PackReadPlan(into, list, { buffers });
    const a = await plan.takeLent(list[0] as IndexEntry);
    const b = await plan.takeLent(list[1] as IndexEntry);
    expect(a?.payload.equals(p1.subarray(0, 100))).toBe(true);
    expect(b?.payload.equals(p1.subarray(100, 200))).toBe(true);
    expect(b?.payload.buffer).toBe(taken[0]?.buffer);
    a?.release();
    a?.release(); // a second release counts once
    b?.release();
    await Promise.resolve();
    expect(given).toHaveLength(0); // c is not taken yet
    const c = await plan.takeLent(list[2] as IndexEntry);
    expect(c?.payload.equals(p1.subarray(300, 350))).toBe(true);
    c?.release();
    await new Promise((r) => setImmediate(r));
    expect(given).toEqual([taken[0]]);
  });

  it('never gives back a range a content was taken from for good', async () => {
    const p1 = randomBytes(1_000);
    const given: Buffer[] = [];
    const { read } = packs({ p1 });
    const buffers = { take: (n: number) => Buffer.alloc(n), give: (b: Buffer) => given.push(b) };
    const list = [entry('a', 'p1', 0, 100), entry('b', 'p1', 100, 100)];
    const plan = new PackReadPlan(read, list, { buffers });
    expect((await plan.take(list[0] as IndexEntry))?.equals(p1.subarray(0, 100))).toBe(true);
    (await plan.takeLent(list[1] as IndexEntry))?.release();
    await new Promise((r) => setImmediate(r));
    expect(given).toHaveLength(0);
  });

  it('reads neighbouring contents of a pack as one range and serves each once, at its own bytes', async () => {
    const p1 = randomBytes(10_000);
    const p2 = randomBytes(10_000);
    const { read, reads } = packs({ p1, p2 });
    const list = [
      entry('a', 'p1', 100, 1000),
      entry('b', 'p1', 1100, 500),
      entry('c', 'p2', 0, 300),
      entry('d', 'p1', 1700, 200), // a 100-byte gap: still the same range
      entry('e', 'p1', 50, 10), // before the range: a range of its own
    ];
    const plan = new PackReadPlan(read, list, { gap: 128 });
    expect(plan.rangeCount).toBe(3);
    for (const e of list) {
      const pack = e.packBlobId === 'p1' ? p1 : p2;
      const got = await plan.take(e);
      expect(got?.equals(pack.subarray(e.packOffset, e.packOffset + e.packedLength))).toBe(true);
    }
    expect(reads.sort()).toEqual(['p1@100+1800', 'p1@50+10', 'p2@0+300']);
    expect(plan.take(list[0] as IndexEntry)).toBeUndefined(); // taken once
    expect(plan.take(entry('z', 'p1', 0, 1))).toBeUndefined(); // never planned
    expect(plan.take({ ...(list[1] as IndexEntry), packOffset: 1101 })).toBeUndefined(); // not where planned
  });

  it('splits ranges at the gap and span limits and reads ahead only within its window', async () => {
    const pack = randomBytes(100_000);
    const { read, reads } = packs({ p: pack });
    const list = Array.from({ length: 10 }, (_, i) => entry(`c${i}`, 'p', i * 10_000, 10_000));
    const plan = new PackReadPlan(read, list, { maxSpan: 20_000, window: 40_000 });
    expect(plan.rangeCount).toBe(5);
    await plan.take(list[0] as IndexEntry);
    expect(reads).toEqual(['p@0+20000', 'p@20000+20000']); // the first, and one more within 40 000 bytes
    await plan.take(list[1] as IndexEntry); // the first range is taken: one more starts
    expect(reads).toHaveLength(3);
    await plan.take(list[9] as IndexEntry); // jumping ahead starts every range up to it
    expect(reads).toHaveLength(5);
    expect(new PackReadPlan(read, list, { gap: 0, maxSpan: 1 << 20 }).rangeCount).toBe(1);
    expect(
      new PackReadPlan(read, [entry('a', 'p', 0, 10), entry('b', 'p', 11, 10)], { gap: 0 }).rangeCount,
    ).toBe(2);
  });

  it('serves nothing from a range that fails or comes back short', async () => {
    const short: PackRangeRead = (_p, _o, length) => Promise.resolve(Buffer.alloc(length - 1));
    const a = entry('a', 'p', 0, 10);
    expect(await new PackReadPlan(short, [a]).take(a)).toBeUndefined();
    const { read } = packs({});
    expect(await new PackReadPlan(read, [a]).take(a)).toBeUndefined();
  });
});

/** Blobs that count range reads and can cut one blob short. */
function counting(blobs: BlobStorage, truncated?: string): BlobStorage & { ranges: number } {
  const out = {
    ranges: 0,
    description: blobs.description,
    getBlob: async (id: string, range?: { offset: number; length: number }) => {
      if (range !== undefined) out.ranges++;
      const data = await blobs.getBlob(id, range);
      if (id !== truncated || range === undefined) return data;
      const whole = await blobs.getBlob(id);
      if (range.offset + range.length > whole.length - 5) {
        throw new LifeboatError('CORRUPT', `blob ${id} is short`, { details: { outOfRange: true } });
      }
      return data;
    },
    putBlob: (id: string, data: Buffer, o?: { ifNotExists?: boolean }) => blobs.putBlob(id, data, o),
    listBlobs: (prefix: string) => blobs.listBlobs(prefix),
    deleteBlob: (id: string) => blobs.deleteBlob(id),
  };
  return out;
}

describe('plannedReads', () => {
  it('reads planned contents of one pack in one range, each checked against its hash', async () => {
    const m = await memoryRepository();
    const data = Array.from({ length: 20 }, (_, i) => randomBytes(1000 + i));
    const ids = data.map((d) => m.add('', d));
    await m.flush();
    const blobs = counting(m.blobs);
    const repo = await openRepository(blobs, PASSWORD);
    const before = blobs.ranges;
    const planned = repo.plannedReads([...ids, ids[0] ?? '']);
    for (const [i, id] of ids.entries())
      expect((await planned.getContent(id)).equals(data[i] as Buffer)).toBe(true);
    expect(blobs.ranges - before).toBe(1);
    // Asked again, a content is read on its own.
    expect((await planned.getContent(ids[3] ?? '')).equals(data[3] as Buffer)).toBe(true);
    expect(blobs.ranges - before).toBe(2);
  });

  it('reads contents one by one when their range fails, so a damaged pack names the content', async () => {
    const m = await memoryRepository();
    const good = randomBytes(3000);
    const a = m.add('', good);
    const b = m.add('', randomBytes(3000));
    const { packId } = await m.flush();
    const repo = await openRepository(counting(m.blobs, packId), PASSWORD);
    const planned = repo.plannedReads([a, b]);
    expect((await planned.getContent(a)).equals(good)).toBe(true);
    const err = await planned.getContent(b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LifeboatError);
    expect(err).toMatchObject({ code: 'CORRUPT', details: { contentId: b } });
  });
});
