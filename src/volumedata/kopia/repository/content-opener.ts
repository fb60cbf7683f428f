// Opening a content read from a pack (decrypt, decompress, hash check), on the calling thread or
// with its hash check on a crypto pool's worker; the content reader keeps the reading and the
// errors that name packs.
import { checkContentHash, decryptContent } from '../crypto/content.ts';
import type { IndexEntry } from '../index/index-entry.ts';
import type { CryptoPool } from './crypto-pool.ts';
import type { ContentEncryptor } from '../crypto/encryption.ts';
import type { HashFunc } from '../crypto/hashing.ts';

/**
 * Opens a content's payload (the caller's, written over) into its plaintext: a view of the
 * payload's memory when opened in place, else memory of its own.
 */
export type ContentOpener = (entry: IndexEntry, payload: Buffer) => Promise<Buffer>;

/** Plaintexts smaller than this are hashed on the calling thread (a message costs more). */
const HASH_HERE_BELOW = 32 * 1024;

/**
 * Decrypts (OpenSSL, fast) on the calling thread, in place, and has the plaintext's hash checked
 * on the pool's workers when it lies in shared memory (the read buffers are SharedArrayBuffers):
 * the worker reads the very bytes, nothing is copied or transferred, and this thread decrypts the
 * next content meanwhile. Small plaintexts, and ones in memory of their own (decompressed, or read
 * by a store into its own buffer), are hashed here. The plaintext is handed out only once checked.
 */
export function hashingOpener(
  repo: { hash: HashFunc; encryptor: ContentEncryptor },
  pool: CryptoPool,
): ContentOpener {
  return async (entry, payload) => {
    const plain = decryptContent(repo.encryptor, entry, payload, { inPlace: true });
    if (plain.length < HASH_HERE_BELOW || !(plain.buffer instanceof SharedArrayBuffer)) {
      checkContentHash(entry.contentId, repo.hash(plain));
      return plain;
    }
    const reply = await pool.request({ op: 'hash', data: plain });
    if (reply.hash === undefined) throw new Error('a crypto worker replied without a hash');
    checkContentHash(entry.contentId, reply.hash);
    return plain;
  };
}
