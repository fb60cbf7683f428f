// Opening a content read from a pack (decrypt, decompress, hash check) on the calling thread or on
// a crypto pool's workers; the content reader keeps the reading and the errors that name packs.
import { openContent } from '../crypto/content.ts';
import type { IndexEntry } from '../index/index-entry.ts';
import type { CryptoPool } from './crypto-pool.ts';
import type { ContentEncryptor } from '../crypto/encryption.ts';
import type { HashFunc } from '../crypto/hashing.ts';

/** The reader's reusable memory, as an opener uses it (read-buffers.ts). */
export interface OpenerBuffers {
  take(length: number): Buffer;
  /** Memory a worker handed back, lent from now on like memory `take` lent. */
  adopt(memory: ArrayBuffer): void;
}

/** What the reader knows of a payload it asks to open. */
export interface OpenContext {
  /** The payload's whole buffer holds this content alone: it may be handed over entire. */
  exclusive?: boolean;
  /** Where a copy handed over is taken from, and where the memory a worker hands back is adopted. */
  buffers?: OpenerBuffers;
}

/**
 * Opens a content's payload (the caller's, written over) into its plaintext: a view of the payload's
 * memory when opened in place, else memory of its own (adopted by `context.buffers` when a worker
 * handed it back).
 */
export type ContentOpener = (entry: IndexEntry, payload: Buffer, context?: OpenContext) => Promise<Buffer>;

/**
 * Opens contents on the calling thread without hashing their plaintext again, as kopia's own reads
 * do (repo/content/committed_read_manager.go, decryptAndVerify: "already verified"): every content
 * is sealed with an authenticated cipher (AES-256-GCM or ChaCha20-Poly1305) under a key derived
 * from its ID, with its ID as associated data, so a payload that decrypts is the one written under
 * that ID, and a changed byte fails the tag (INTEGRITY naming the content and its pack). Restores
 * read this way: the hash cost as much as the rest of a restore's work on its thread (BLAKE2b in
 * WebAssembly, ~2 s a GiB). Where proving the data is the point, the hash is still checked: `repo
 * verify`, metadata contents, and a drill's re-read of what it restored.
 */
export function authenticatedOpener(repo: { hash: HashFunc; encryptor: ContentEncryptor }): ContentOpener {
  return (entry, payload) =>
    Promise.resolve(
      openContent(repo.hash, repo.encryptor, entry, payload, { inPlace: true, checkHash: false }),
    );
}

/** Payloads smaller than this are opened on the calling thread (a message costs more). */
const INLINE_BELOW = 64 * 1024;

/**
 * What goes to a worker: payload itself when its whole buffer is its own (handed over without a
 * copy; a view of an exclusive buffer goes with that buffer), else a copy, into the reader's memory
 * when it has some; a shared buffer, handed over, would be lost to the others.
 */
function handOver(payload: Buffer, context: OpenContext): { data: Uint8Array; buffer: ArrayBuffer } {
  const whole = payload.buffer;
  if (
    whole instanceof ArrayBuffer &&
    payload.byteOffset === 0 &&
    (whole.byteLength === payload.length || context.exclusive === true)
  ) {
    return { data: payload, buffer: whole };
  }
  const copy = context.buffers?.take(payload.length) ?? Buffer.allocUnsafeSlow(payload.length);
  payload.copy(copy);
  if (copy.byteOffset === 0 && copy.buffer instanceof ArrayBuffer) return { data: copy, buffer: copy.buffer };
  const own = new Uint8Array(payload);
  return { data: own, buffer: own.buffer };
}

/**
 * Opens contents of at least 64 KiB on the pool's workers: the payload is transferred there (copied
 * when it shares its memory), decrypted in place, and its plaintext transferred back — into the
 * reader's buffers, so a restore with workers reuses its memory as one without.
 */
export function pooledOpener(
  repo: { hash: HashFunc; encryptor: ContentEncryptor },
  pool: CryptoPool,
  options: { checkHash?: boolean } = {},
): ContentOpener {
  const checkHash = options.checkHash ?? true;
  return async (entry, payload, context = {}) => {
    if (payload.length < INLINE_BELOW) {
      return openContent(repo.hash, repo.encryptor, entry, payload, { inPlace: true, checkHash });
    }
    const { data, buffer } = handOver(payload, context);
    const reply = await pool.request(
      {
        op: 'open',
        data,
        contentId: entry.contentId,
        compressionHeaderId: entry.compressionHeaderId,
        originalLength: entry.originalLength,
        checkHash,
      },
      [buffer],
    );
    if (reply.payload === undefined || reply.length === undefined) {
      throw new Error('a crypto worker replied without a plaintext');
    }
    context.buffers?.adopt(reply.payload);
    return Buffer.from(reply.payload, 0, reply.length);
  };
}
