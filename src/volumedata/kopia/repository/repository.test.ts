import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../errors/index.ts';
import type { BlobStorage } from '../blob/blob-storage.ts';
import { encodeIndirect, indirectEntries } from '../object/indirect.ts';
import { directObjectId, formatObjectId, indirectObjectId, type ObjectId } from '../object/object-id.ts';
import { memoryRepository, PASSWORD } from './memory-repository.test-support.ts';
import { objectPieces, openObject, readObject } from './object-reader.ts';
import { authenticatedOpener } from './content-opener.ts';
import { openRepository } from './repository.ts';

async function drain(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function caught(p: Promise<unknown>): Promise<LifeboatError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof LifeboatError)) throw new Error(`expected a LifeboatError, got ${String(err)}`);
  return err;
}

/** Blobs that count the reads of each blob, whole (no range) or not. */
function counting(blobs: BlobStorage): {
  blobs: BlobStorage;
  reads: Map<string, { whole: number; ranges: number }>;
} {
  const reads = new Map<string, { whole: number; ranges: number }>();
  return {
    reads,
    blobs: {
      ...blobs,
      description: blobs.description,
      getBlob: (id, range) => {
        const n = reads.get(id) ?? { whole: 0, ranges: 0 };
        if (range === undefined) n.whole++;
        else n.ranges++;
        reads.set(id, n);
        return blobs.getBlob(id, range);
      },
      putBlob: (id, data, o) => blobs.putBlob(id, data, o),
      listBlobs: (prefix) => blobs.listBlobs(prefix),
      deleteBlob: (id) => blobs.deleteBlob(id),
    },
  };
}

/** Blobs whose reads of one blob fail as if it had been deleted. */
function hiding(blobs: BlobStorage, hidden: string): BlobStorage {
  return {
    description: blobs.description,
    getBlob: (id, range) =>
      id === hidden
        ? Promise.reject(new LifeboatError('NOT_FOUND', `blob ${id} not found`, { details: { blobId: id } }))
        : blobs.getBlob(id, range),
    putBlob: (id, data, o) => blobs.putBlob(id, data, o),
    listBlobs: (prefix) => blobs.listBlobs(prefix),
    deleteBlob: (id) => blobs.deleteBlob(id),
  };
}

describe('openRepository and contents', () => {
  it('reads contents, compressed or not, through the merged index; deletion markers hide them from contentInfo only', async () => {
    const m = await memoryRepository();
    const plain = randomBytes(5000);
    const text = Buffer.from('abc'.repeat(10_000));
    const a = m.add('', plain);
    const b = m.add('k', text, 'zstd-fastest');
    await m.flush();
    const repo = await openRepository(m.blobs, PASSWORD);
    expect((await repo.getContent(a)).equals(plain)).toBe(true);
    expect((await repo.getContent(b)).equals(text)).toBe(true);
    expect(repo.contentInfo(b)?.compressionHeaderId).not.toBe(0);
    expect(await caught(repo.getContent(`${'0'.repeat(32)}`))).toMatchObject({ code: 'NOT_FOUND' });

    const info = repo.contentInfo(a);
    if (info === undefined) throw new Error('no entry');
    m.addEntry({ ...info, deleted: true, timestampSeconds: info.timestampSeconds + 1 });
    await m.flush();
    await repo.refreshIndex();
    expect(repo.contentInfo(a)).toBeUndefined();
    expect((await repo.getContent(a)).equals(plain)).toBe(true); // kopia still reads deleted contents
  });

  it('a flipped byte is INTEGRITY and a deleted pack CORRUPT, both naming the content and the pack', async () => {
    const m = await memoryRepository();
    const id = m.add('', randomBytes(1000));
    const { packId } = await m.flush();
    const pack = await m.blobs.getBlob(packId);
    pack[500] = (pack[500] ?? 0) ^ 1;
    await m.blobs.putBlob(packId, pack);
    const repo = await openRepository(m.blobs, PASSWORD);
    const flipped = await caught(repo.getContent(id));
    expect(flipped.code).toBe('INTEGRITY');
    expect(flipped.message).toContain(id);
    expect(flipped.message).toContain(packId);
    await m.blobs.deleteBlob(packId);
    const missing = await caught(repo.getContent(id));
    expect(missing.code).toBe('CORRUPT');
    expect(missing.message).toBe(
      `content ${id} is in pack ${packId}, which is missing from memory repository`,
    );
  });

  it('file contents are opened like kopia reads them: the cipher authenticates them, the hash is checked where asked', async () => {
    const m = await memoryRepository();
    const id = m.add('', randomBytes(1000));
    const wrongId = 'ab'.repeat(16);
    const other = randomBytes(700);
    m.addUnder(wrongId, other); // decrypts under its ID, but does not hash to it
    const { packId } = await m.flush();
    const repo = await openRepository(m.blobs, PASSWORD);
    const restoring = authenticatedOpener(repo);
    expect((await repo.getContent(wrongId, restoring)).equals(other)).toBe(true);
    const unhashed = await caught(repo.getContent(wrongId));
    expect(unhashed.code).toBe('INTEGRITY');
    expect(unhashed.message).toContain(`Content ${wrongId} does not match its hash`);

    const pack = await m.blobs.getBlob(packId);
    pack[500] = (pack[500] ?? 0) ^ 1; // in the first content's ciphertext
    await m.blobs.putBlob(packId, pack);
    const flipped = await caught((await openRepository(m.blobs, PASSWORD)).getContent(id, restoring));
    expect(flipped.code).toBe('INTEGRITY');
    expect(flipped.message).toContain(id);
    expect(flipped.message).toContain(packId);
  });

  it('metadata contents are read from their whole q pack, fetched once; data contents by their range', async () => {
    const m = await memoryRepository();
    m.usePackPrefix('q');
    const dirs = [randomBytes(300), randomBytes(400), randomBytes(500)].map((d) => ({
      d,
      id: m.add('k', d),
    }));
    const { packId: qPack } = await m.flush();
    m.usePackPrefix('p');
    const data = randomBytes(2000);
    const dataId = m.add('', data);
    const { packId: pPack } = await m.flush();
    const { blobs, reads } = counting(m.blobs);
    const repo = await openRepository(blobs, PASSWORD);
    for (const { d, id } of dirs) expect((await repo.getContent(id)).equals(d)).toBe(true);
    expect((await repo.getContent(dataId)).equals(data)).toBe(true);
    expect(reads.get(qPack)).toEqual({ whole: 1, ranges: 0 });
    expect(reads.get(pPack)).toEqual({ whole: 0, ranges: 1 });

    // A q pack shorter than its index says is CORRUPT naming content and pack.
    const shortened = await memoryRepository();
    shortened.usePackPrefix('q');
    const id = shortened.add('k', randomBytes(800));
    const { packId } = await shortened.flush();
    const whole = await shortened.blobs.getBlob(packId);
    await shortened.blobs.putBlob(packId, whole.subarray(0, whole.length - 100));
    const err = await caught((await openRepository(shortened.blobs, PASSWORD)).getContent(id));
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toContain(id);
    expect(err.message).toContain(packId);
  });

  it('an index entry past its pack’s end, or with an impossible range, is CORRUPT naming content and pack', async () => {
    const m = await memoryRepository();
    const id = m.add('', randomBytes(100));
    const { packId } = await m.flush();
    const repo = await openRepository(m.blobs, PASSWORD);
    const good = repo.contentInfo(id);
    if (good === undefined) throw new Error('no entry');
    for (const bad of [{ packOffset: 1 << 20 }, { packedLength: 5000 }, { packOffset: (1 << 30) - 1 }]) {
      m.addEntry({ ...good, ...bad, timestampSeconds: good.timestampSeconds + 10 });
      await m.flush();
      await repo.refreshIndex();
      const err = await caught(repo.getContent(id));
      expect(err.code).toBe('CORRUPT');
      expect(err.message).toContain(packId);
    }
  });

  it('an index blob that is listed but cannot be read is CORRUPT naming it; a damaged one INTEGRITY', async () => {
    const m = await memoryRepository();
    m.add('', randomBytes(10));
    const { indexBlobId } = await m.flush();
    const err = await caught(openRepository(hiding(m.blobs, indexBlobId), PASSWORD));
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toContain(indexBlobId);
    const data = await m.blobs.getBlob(indexBlobId);
    data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 1;
    await m.blobs.putBlob(indexBlobId, data);
    const damaged = await caught(openRepository(m.blobs, PASSWORD));
    expect(damaged.code).toBe('INTEGRITY');
    expect(damaged.message).toContain(indexBlobId);
  });

  it('a wrong password is UNAUTHENTICATED', async () => {
    const m = await memoryRepository();
    m.add('', randomBytes(10));
    await m.flush();
    expect(await caught(openRepository(m.blobs, 'wrong'))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('objects', () => {
  it('indirect objects at two levels read whole and stream the same bytes; a missing content is CORRUPT at the object level', async () => {
    const m = await memoryRepository();
    const chunks = [randomBytes(3000), randomBytes(1), randomBytes(70_000), randomBytes(5)];
    const ids = chunks.map((c) => directObjectId(m.add('', c)));
    // kopia's IIx…: the content x… lists the pieces of the JSON that lists the chunks.
    const listing = encodeIndirect(
      indirectEntries(chunks.map((c, i) => ({ length: c.length, object: ids[i] as ObjectId }))),
    );
    const halves = [listing.subarray(0, 10), listing.subarray(10)];
    const topIndex = m.add(
      'x',
      encodeIndirect(
        indirectEntries(halves.map((h) => ({ length: h.length, object: directObjectId(m.add('x', h)) }))),
      ),
    );
    const top = indirectObjectId(indirectObjectId(directObjectId(topIndex)));
    expect(formatObjectId(top)).toBe(`IIx${topIndex.slice(1)}`);
    await m.flush();
    const repo = await openRepository(m.blobs, PASSWORD);
    const whole = Buffer.concat(chunks);
    expect((await readObject(repo, top)).equals(whole)).toBe(true);
    expect((await drain(openObject(repo, formatObjectId(top), { readAhead: 2 }))).equals(whole)).toBe(true);
    expect((await objectPieces(repo, top)).map((p) => p.start)).toEqual([0, 3000, 3001, 73_001]);
    const missing = `${'ab'.repeat(16)}`;
    const err = await caught(readObject(repo, missing));
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toBe(`object ${missing}: content ${missing} of object ${missing} is missing`);
    // A listing that names an object as indirect as the one it lists is refused.
    const selfish = m.add(
      'x',
      encodeIndirect(indirectEntries([{ length: 1, object: indirectObjectId(ids[0] as ObjectId) }])),
    );
    await m.flush();
    await repo.refreshIndex();
    expect(await caught(readObject(repo, indirectObjectId(directObjectId(selfish))))).toMatchObject({
      code: 'CORRUPT',
    });
    const short = await caught(
      drain(openObject(repo, formatObjectId(ids[0] as ObjectId), { expectedLength: 10 })),
    );
    expect(short.code).toBe('CORRUPT');
  });
});
