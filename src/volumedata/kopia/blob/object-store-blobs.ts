import type { ObjectStore } from '../../../store/index.ts';
import { assertBlobId, isBlobId, readAll, type BlobMetadata, type BlobStorage } from './blob-storage.ts';

/**
 * Kopia's blobs on S3 or Azure: blob ID `id` is the object `<prefix><id>` (Velero's prefix is
 * `kopia/<namespace>/` under the location's own prefix; it is taken as given). Keys under the
 * prefix that are not blob IDs (a nested "folder", a foreign file) are left out of listings.
 */
export function objectStoreBlobs(store: ObjectStore, prefix: string): BlobStorage {
  const description = `${store.description}/${prefix}`;
  const key = (id: string) => {
    assertBlobId(id, description);
    return prefix + id;
  };
  return {
    description,
    async getBlob(id, range) {
      const k = key(id);
      if (range !== undefined) return store.getRange(k, range.offset, range.length, range.into);
      return readAll(await store.get(k));
    },
    async putBlob(id, data, options) {
      await store.put(key(id), data, {
        size: data.length,
        ...(options?.ifNotExists === true ? { ifNoneMatch: '*' } : {}),
      });
    },
    async *listBlobs(idPrefix): AsyncIterable<BlobMetadata> {
      assertBlobId(idPrefix, description, { prefix: true });
      for await (const info of store.list(prefix + idPrefix)) {
        const id = info.key.slice(prefix.length);
        if (!isBlobId(id)) continue;
        yield { id, length: info.size, timestamp: info.lastModified ?? new Date(0) };
      }
    },
    async deleteBlob(id) {
      await store.delete(key(id));
    },
  };
}
