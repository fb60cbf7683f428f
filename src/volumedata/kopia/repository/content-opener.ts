// Opening a content read from a pack (decrypt, decompress, hash check) on the calling thread or on
// a crypto pool's workers; the content reader keeps the reading and the errors that name packs.
import { openContent } from '../crypto/content.ts';
import type { IndexEntry } from '../index/index-entry.ts';
import type { CryptoPool } from './crypto-pool.ts';
import type { ContentEncryptor } from '../crypto/encryption.ts';
import type { HashFunc } from '../crypto/hashing.ts';

/** Opens a content's payload (the caller's, written over) into its plaintext. */
export type ContentOpener = (entry: IndexEntry, payload: Buffer) => Promise<Buffer>;

/** Payloads smaller than this are opened on the calling thread (a message costs more). */
const INLINE_BELOW = 64 * 1024;

/**
 * What goes to a worker: payload itself when it owns its whole buffer (handed over without a copy),
 * else a copy; a view's whole buffer, handed over, would be copied all of it.
 */
function handOver(payload: Buffer): { data: Uint8Array; buffer: ArrayBuffer } {
  const whole = payload.buffer;
  if (whole instanceof ArrayBuffer && payload.byteOffset === 0 && whole.byteLength === payload.length) {
    return { data: payload, buffer: whole };
  }
  const copy = new Uint8Array(payload);
  return { data: copy, buffer: copy.buffer };
}

/**
 * Opens contents of at least 64 KiB on the pool's workers: the payload is transferred there (copied
 * when it shares its memory), decrypted in place, and its plaintext transferred back.
 */
export function pooledOpener(
  repo: { hash: HashFunc; encryptor: ContentEncryptor },
  pool: CryptoPool,
): ContentOpener {
  return async (entry, payload) => {
    if (payload.length < INLINE_BELOW) {
      return openContent(repo.hash, repo.encryptor, entry, payload, { inPlace: true });
    }
    const { data, buffer } = handOver(payload);
    const reply = await pool.request(
      {
        op: 'open',
        data,
        contentId: entry.contentId,
        compressionHeaderId: entry.compressionHeaderId,
        originalLength: entry.originalLength,
      },
      [buffer],
    );
    if (reply.payload === undefined || reply.length === undefined) {
      throw new Error('a crypto worker replied without a plaintext');
    }
    return Buffer.from(reply.payload, 0, reply.length);
  };
}
