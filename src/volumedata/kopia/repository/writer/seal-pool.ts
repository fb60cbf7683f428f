import { ivForContent } from '../../crypto/content.ts';
import type { CryptoPool } from '../crypto-pool.ts';
import type { KopiaRepository } from '../repository.ts';
import { inlineSealer, type Sealed, type Sealer, sealSync } from './sealer.ts';

/** Contents smaller than this are hashed and sealed on the calling thread (a message costs more). */
const INLINE_BELOW = 128 * 1024;
/** The same for contents in shared memory, which reach a worker without a copy. */
const SHARED_INLINE_BELOW = 16 * 1024;

const isShared = (data: Uint8Array) => data.buffer instanceof SharedArrayBuffer;
const inlineFor = (data: Buffer) => data.length < (isShared(data) ? SHARED_INLINE_BELOW : INLINE_BELOW);

/**
 * Hashing and sealing of file chunks on a pool's workers: a chunk in shared memory (BufferPool's
 * shared buffers) reaches a worker without a copy and only its 16-byte hash comes back; once this
 * thread has looked the content up, a new one is encrypted by a worker straight into the pack
 * buffer (shared too), so this thread only reads files, splits them and keeps the books.
 * Compressed contents (directories, lists) and small chunks stay on this thread. The pool is the
 * caller's: close() leaves it running.
 */
export function pooledSealer(repo: KopiaRepository, pool: CryptoPool): Sealer {
  const inline = inlineSealer(repo.hash, repo.encryptor);
  const overhead = repo.encryptor.overhead;
  return {
    ...inline,
    sharedPacks: true,
    async hash(data: Buffer): Promise<Buffer> {
      if (inlineFor(data)) return inline.hash(data);
      const r = await pool.request({ op: 'hash', data });
      if (r.hash === undefined) throw new Error('a crypto worker replied without a hash');
      return Buffer.from(r.hash.buffer, r.hash.byteOffset, r.hash.byteLength);
    },
    seal(data: Buffer, contentId: string, compressor?: string): Promise<Sealed> {
      if (compressor !== undefined || !isShared(data) || inlineFor(data)) {
        return Promise.resolve(sealSync(repo.encryptor, data, contentId, compressor));
      }
      const length = data.length + overhead;
      return Promise.resolve({
        compressionHeaderId: 0,
        length,
        writeTo: async (out: Buffer, offset: number): Promise<void> => {
          if (!isShared(out)) {
            repo.encryptor.encryptInto(data, ivForContent(contentId), out, offset);
            return;
          }
          const r = await pool.request({ op: 'seal', data, contentId, out, offset });
          if (r.length !== length)
            throw new Error('a crypto worker sealed a content to an unexpected length');
        },
      });
    },
  };
}
