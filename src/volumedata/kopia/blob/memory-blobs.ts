import { LifeboatError } from '../../../errors/index.ts';
import { assertBlobId, blobNotFound, type BlobMetadata, type BlobStorage } from './blob-storage.ts';

/** A BlobStorage in process memory, for unit tests. */
export function memoryBlobs(description = 'memory blobs'): BlobStorage & { ids(): string[] } {
  const blobs = new Map<string, { data: Buffer; timestamp: Date }>();
  return {
    description,
    ids: () => [...blobs.keys()].sort(),
    async getBlob(id, range) {
      assertBlobId(id, description);
      const blob = blobs.get(id);
      if (blob === undefined) throw blobNotFound(id, description);
      if (range === undefined) return Promise.resolve(Buffer.from(blob.data));
      const { offset, length } = range;
      const bad = !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0;
      if (bad || offset + length > blob.data.length) {
        throw new LifeboatError(
          'CORRUPT',
          `blob ${id} in ${description} holds ${blob.data.length} bytes: bytes ${offset}+${length} lie past its end`,
          {
            details: { blobId: id, offset, length, outOfRange: true },
          },
        );
      }
      const bytes = blob.data.subarray(offset, offset + length);
      // As the object stores do: a range read lands in `into` when it is given.
      if (range.into?.length === length) return Promise.resolve(range.into.fill(bytes));
      return Promise.resolve(Buffer.from(bytes));
    },
    async putBlob(id, data, options) {
      assertBlobId(id, description);
      if (options?.ifNotExists === true && blobs.has(id)) {
        throw new LifeboatError('ALREADY_EXISTS', `blob ${id} already exists in ${description}`, {
          details: { blobId: id, precondition: true },
        });
      }
      blobs.set(id, { data: Buffer.from(data), timestamp: new Date() });
      return Promise.resolve();
    },
    async *listBlobs(prefix): AsyncIterable<BlobMetadata> {
      assertBlobId(prefix, description, { prefix: true });
      for (const [id, blob] of [...blobs].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (id.startsWith(prefix))
          yield await Promise.resolve({ id, length: blob.data.length, timestamp: blob.timestamp });
      }
    },
    async deleteBlob(id) {
      assertBlobId(id, description);
      blobs.delete(id);
      return Promise.resolve();
    },
  };
}
