import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../store/index.ts';
import type { BlobStorage } from './blob-storage.ts';
import { memoryBlobs } from './memory-blobs.ts';
import { objectStoreBlobs } from './object-store-blobs.ts';
import { shardedBlobs } from './sharded-blobs.ts';
import { listingPaths, shardedPath, type ShardParameters } from './shards.ts';

const PACK = 'p0bee74e5a1b2c3d4e5f60718293a4b5c-sc2ce1f00d1e2a3b4c5';
const INDEX = 'xn0_0123456789abcdef0123456789abcdef-s0011223344556677-c1';

async function ids(blobs: BlobStorage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of blobs.listBlobs(prefix)) out.push(b.id);
  return out.sort();
}

function behavesAsBlobStorage(name: string, make: () => BlobStorage): void {
  describe(`BlobStorage: ${name}`, () => {
    it('puts, gets whole and ranged, lists by prefix and deletes', async () => {
      const blobs = make();
      const data = Buffer.from('0123456789abcdef');
      await blobs.putBlob(PACK, data);
      await blobs.putBlob(INDEX, Buffer.from('index'));
      await blobs.putBlob('kopia.repository', Buffer.from('{}'));
      expect((await blobs.getBlob(PACK)).equals(data)).toBe(true);
      expect((await blobs.getBlob(PACK, { offset: 3, length: 4 })).toString()).toBe('3456');
      await expect(blobs.getBlob(PACK, { offset: 10, length: 7 })).rejects.toMatchObject({ code: 'CORRUPT' });
      await expect(blobs.getBlob('q00')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await ids(blobs, '')).toEqual(['kopia.repository', PACK, INDEX].sort());
      expect(await ids(blobs, 'p')).toEqual([PACK]);
      expect(await ids(blobs, 'p0bee7')).toEqual([PACK]);
      expect(await ids(blobs, 'xn0_')).toEqual([INDEX]);
      expect(await ids(blobs, 'xn1_')).toEqual([]);
      expect(await ids(blobs, 'kopia.')).toEqual(['kopia.repository']);
      const listed = [];
      for await (const b of blobs.listBlobs(PACK)) listed.push(b);
      expect(listed).toMatchObject([{ id: PACK, length: 16 }]);
      await blobs.deleteBlob(PACK);
      await blobs.deleteBlob(PACK);
      expect(await ids(blobs, 'p')).toEqual([]);
    });

    it('a create-only put refuses a taken blob', async () => {
      const blobs = make();
      await blobs.putBlob('kopia.blobcfg', Buffer.from('a'), { ifNotExists: true });
      await expect(
        blobs.putBlob('kopia.blobcfg', Buffer.from('b'), { ifNotExists: true }),
      ).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
      expect((await blobs.getBlob('kopia.blobcfg')).toString()).toBe('a');
    });

    it('refuses blob IDs that are paths or not kopia names', async () => {
      const blobs = make();
      for (const id of ['', '..', '../x', 'a/b', '.shards', 'a..b', 'p\u0000', 'a b', 'x'.repeat(251)]) {
        await expect(blobs.putBlob(id, Buffer.alloc(1))).rejects.toMatchObject({ code: 'USAGE' });
        await expect(blobs.getBlob(id)).rejects.toMatchObject({ code: 'USAGE' });
      }
      await expect(ids(blobs, '../')).rejects.toMatchObject({ code: 'USAGE' });
    });
  });
}

behavesAsBlobStorage('memory', () => memoryBlobs());
behavesAsBlobStorage('object store (flat keys)', () =>
  objectStoreBlobs(new MemoryObjectStore(), 'loc/kopia/ns1/'),
);
behavesAsBlobStorage('sharded', () => shardedBlobs(new MemoryObjectStore(), 'kopia/ns1/', { create: true }));
behavesAsBlobStorage('sharded, legacy', () => shardedBlobs(new MemoryObjectStore(), 'kopia/ns1/'));

describe('kopia layouts on the store', () => {
  it('flat keys are <prefix><blob ID>', async () => {
    const store = new MemoryObjectStore();
    await objectStoreBlobs(store, 'velero/kopia/ns1/').putBlob(PACK, Buffer.from('x'));
    await store.put('velero/kopia/ns1/nested/thing', 'not a blob');
    expect(store.keys()).toContain(`velero/kopia/ns1/${PACK}`);
    expect(await ids(objectStoreBlobs(store, 'velero/kopia/ns1/'), '')).toEqual([PACK]);
  });

  it('a new sharded repository writes .shards as kopia does and shards [1,3] above 20 characters', async () => {
    const store = new MemoryObjectStore();
    const blobs = shardedBlobs(store, 'kopia/ns1/', { create: true });
    await blobs.putBlob(PACK, Buffer.from('x'));
    await blobs.putBlob('kopia.repository', Buffer.from('{}'));
    await blobs.putBlob(INDEX, Buffer.from('i'));
    expect(store.keys()).toEqual([
      'kopia/ns1/.shards',
      'kopia/ns1/kopia.repository.f',
      `kopia/ns1/p/0be/${PACK.slice(4)}.f`,
      `kopia/ns1/x/n0_/${INDEX.slice(4)}.f`,
    ]);
    const shards = await store.get('kopia/ns1/.shards');
    const text = (await shards.toArray()).join('');
    expect(text).toBe('{"default":[1,3],"maxNonShardedLength":20}\n');
  });

  it('without .shards a repository is read with the legacy [3,3] layout; kopia files that are not blobs are ignored', async () => {
    const store = new MemoryObjectStore();
    await store.put(`r/p0b/ee7/${PACK.slice(6)}.f`, 'pack');
    await store.put(`r/p0b/ee7/${PACK.slice(6)}.f.tmp.0a1b`, 'partial');
    await store.put('r/kopia.repository.f', '{}');
    const blobs = shardedBlobs(store, 'r/');
    expect((await blobs.getBlob(PACK)).toString()).toBe('pack');
    expect(await ids(blobs, '')).toEqual(['kopia.repository', PACK]);
    expect(store.keys()).not.toContain('r/.shards');
  });

  it('an existing .shards decides the layout, overrides included; a malformed one is CORRUPT', async () => {
    const store = new MemoryObjectStore();
    await store.put(
      'r/.shards',
      '{"default":[2],"maxNonShardedLength":4,"overrides":[{"prefix":"q","shards":[1,1]}]}',
    );
    const blobs = shardedBlobs(store, 'r/', { create: true });
    await blobs.putBlob('pabcdef', Buffer.from('1'));
    await blobs.putBlob('qabcdef', Buffer.from('2'));
    await blobs.putBlob('xyz', Buffer.from('3'));
    expect(store.keys()).toEqual(['r/.shards', 'r/pa/bcdef.f', 'r/q/a/bcdef.f', 'r/xyz.f']);
    expect(await ids(blobs, '')).toEqual(['pabcdef', 'qabcdef', 'xyz']);
    expect(await ids(blobs, 'qab')).toEqual(['qabcdef']);
    const bad = new MemoryObjectStore();
    await bad.put('r/.shards', '{"default":"x"}');
    await expect(shardedBlobs(bad, 'r/').getBlob('kopia.repository')).rejects.toMatchObject({
      code: 'CORRUPT',
    });
  });

  it('listing paths cover sharded and unsharded files once', () => {
    const p: ShardParameters = { default: [1, 3], maxNonShardedLength: 20 };
    expect(shardedPath(p, PACK)).toBe(`p/0be/${PACK.slice(4)}`);
    expect(shardedPath(p, 'kopia.repository')).toBe('kopia.repository');
    expect(listingPaths(p, '')).toEqual(['']);
    expect(listingPaths(p, 'x')).toEqual(['x']);
    expect(listingPaths(p, 'xn0_')).toEqual(['x/n0_', 'xn0_']);
    expect(listingPaths(p, 'xn0_0123')).toEqual(['x/n0_/0123', 'xn0_0123']);
    expect(listingPaths(p, PACK)).toEqual([`p/0be/${PACK.slice(4)}`]);
  });
});
