import { compress, compressorHeaderId } from '../../crypto/compression.ts';
import { ivForContent } from '../../crypto/content.ts';
import type { ContentEncryptor } from '../../crypto/encryption.ts';
import type { HashFunc } from '../../crypto/hashing.ts';

/** A content ready for a pack: what the index records of its form, and its encrypted bytes. */
export interface Sealed {
  /** 0 when stored uncompressed. */
  compressionHeaderId: number;
  /** Bytes it takes in a pack. */
  length: number;
  /**
   * Writes its encrypted bytes at out[offset..offset + length): now when sealed on this thread, or
   * on a worker thread when out is shared memory (then out's range must stay untouched, and the
   * content's data unchanged, until the promise settles).
   */
  writeTo(out: Buffer, offset: number): void | Promise<void>;
}

/**
 * Hashing and sealing (compress when it saves space, then encrypt) of contents, on this thread or
 * on worker threads. The writer hashes first, looks the content up, and seals only new ones.
 */
export interface Sealer {
  /** Seals into shared memory on worker threads: pack buffers should be SharedArrayBuffers. */
  readonly sharedPacks?: boolean;
  hash(data: Buffer): Promise<Buffer>;
  seal(data: Buffer, contentId: string, compressor?: string): Promise<Sealed>;
  close(): Promise<void>;
}

/**
 * kopia's sealing of one content (content_manager_lock_free.go maybeCompressAndEncryptDataForPacking):
 * compressed now, encrypted when written into its pack, straight into the pack's buffer. The caller
 * keeps data unchanged until then.
 */
export function sealSync(
  encryptor: ContentEncryptor,
  data: Uint8Array,
  contentId: string,
  compressor?: string,
): Sealed {
  let body: Uint8Array = data;
  let compressionHeaderId = 0;
  if (compressor !== undefined) {
    const compressed = compress(compressor, data);
    if (compressed.length < data.length) {
      body = compressed;
      compressionHeaderId = compressorHeaderId(compressor);
    }
  }
  const length = body.length + encryptor.overhead;
  return {
    compressionHeaderId,
    length,
    writeTo: (out, offset) => {
      encryptor.encryptInto(body, ivForContent(contentId), out, offset);
    },
  };
}

/** Hashing and sealing on the calling thread. */
export function inlineSealer(hash: HashFunc, encryptor: ContentEncryptor): Sealer {
  return {
    hash: (data) => Promise.resolve(hash(data)),
    seal: (data, contentId, compressor) => Promise.resolve(sealSync(encryptor, data, contentId, compressor)),
    close: () => Promise.resolve(),
  };
}
