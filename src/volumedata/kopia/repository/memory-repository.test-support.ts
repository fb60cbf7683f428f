// A kopia repository built in memory for the read path's unit tests: contents sealed into packs
// and listed by v2 index blobs, written with the crypto and index parts (kopia's formats).
import { randomBytes } from 'node:crypto';
import type { BlobStorage } from '../blob/blob-storage.ts';
import { memoryBlobs } from '../blob/memory-blobs.ts';
import { encryptBlob } from '../crypto/blob-crypto.ts';
import { ivForContent, sealContent } from '../crypto/content.ts';
import { createEncryptor } from '../crypto/encryption.ts';
import { createHasher } from '../crypto/hashing.ts';
import { PBKDF2 } from '../format/key-derivation.ts';
import { createRepositoryFormat } from '../format/repository-format.ts';
import type { IndexEntry } from '../index/index-entry.ts';
import { encodeIndexV2 } from '../index/index-v2-encode.ts';
import { newSessionId } from '../index/session.ts';

export const PASSWORD = 'unit-test-password';

export async function memoryRepository() {
  const blobs = memoryBlobs('memory repository');
  const format = await createRepositoryFormat(blobs, PASSWORD, { keyAlgo: PBKDF2, veleroMarker: false });
  const hash = await createHasher(format.config.hash, format.config.secret);
  const enc = createEncryptor(format.config.encryption, format.config.masterKey);
  let pack: Buffer[] = [];
  let packLength = 0;
  let pending: IndexEntry[] = [];
  let packPrefix = 'p';
  const packId = () => `${packPrefix}${randomBytes(16).toString('hex')}`;
  let current = packId();
  const now = Math.floor(Date.now() / 1000);

  return {
    blobs: blobs as BlobStorage,
    /** Seals data into the current pack; returns its content ID. */
    add(prefix: string, data: Buffer, compressor?: string): string {
      const sealed = sealContent(hash, enc, prefix, data, compressor);
      pending.push({
        contentId: sealed.contentId,
        packBlobId: current,
        packOffset: packLength,
        packedLength: sealed.payload.length,
        originalLength: sealed.originalLength,
        timestampSeconds: now,
        deleted: false,
        compressionHeaderId: sealed.compressionHeaderId,
        formatVersion: 2,
        encryptionKeyId: 0,
      });
      pack.push(sealed.payload);
      packLength += sealed.payload.length;
      return sealed.contentId;
    },
    /**
     * Seals data under a content ID of the caller's (uncompressed), as a writer holding the keys
     * but hashing wrongly would: it decrypts, yet does not hash to its ID.
     */
    addUnder(contentId: string, data: Buffer): void {
      const payload = enc.encrypt(data, ivForContent(contentId));
      pending.push({
        contentId,
        packBlobId: current,
        packOffset: packLength,
        packedLength: payload.length,
        originalLength: data.length,
        timestampSeconds: now,
        deleted: false,
        compressionHeaderId: 0,
        formatVersion: 2,
        encryptionKeyId: 0,
      });
      pack.push(payload);
      packLength += payload.length;
    },
    /** Names the packs from now on with this prefix (kopia's `q` for metadata); before any add. */
    usePackPrefix(prefix: string): void {
      if (pack.length > 0) throw new Error('usePackPrefix after contents were added to the pack');
      packPrefix = prefix;
      current = packId();
    },
    /** Adds raw index entries (deletion markers, hostile ones) to the next index blob. */
    addEntry(e: IndexEntry): void {
      pending.push(e);
    },
    /** Writes the pack, then an index blob of its entries; returns the pack and index blob IDs. */
    async flush(): Promise<{ packId: string; indexBlobId: string }> {
      const written = current;
      if (pack.length > 0) await blobs.putBlob(written, Buffer.concat(pack));
      const index = encryptBlob(hash, enc, 'xn0_', encodeIndexV2(pending), `${newSessionId()}-c1`);
      await blobs.putBlob(index.blobId, index.data);
      pack = [];
      packLength = 0;
      pending = [];
      current = packId();
      return { packId: written, indexBlobId: index.blobId };
    },
    now,
  };
}
