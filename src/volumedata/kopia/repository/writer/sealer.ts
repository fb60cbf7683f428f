import { compress, compressorHeaderId } from '../../crypto/compression.ts';
import { contentId, ivForContent } from '../../crypto/content.ts';
import type { ContentEncryptor } from '../../crypto/encryption.ts';
import type { HashFunc } from '../../crypto/hashing.ts';
import { readSmallFile } from '../../tree/walk-tree.ts';

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
  /**
   * Reads a whole file of at most `limit` bytes into buf (shared memory, limit + 1 + the
   * encryption's overhead long) on another thread, hashes it and encrypts it over itself:
   * buf[0, length + overhead) is then the sealed content, ready for a pack. Undefined when the file
   * is longer or could not be read there (read it on this thread). Absent: files are read here.
   */
  sealFile?(path: string, buf: Buffer, limit: number): Promise<{ hash: Buffer; length: number } | undefined>;
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

/**
 * A small file as one content (Sealer.sealFile), on the calling thread: read into buf after the
 * room for the nonce, hashed, encrypted over itself (file data is never compressed; its ID is
 * unprefixed, so its IV is the hash's last bytes). Undefined when the file is longer than limit or
 * cannot be read: the caller then reads it through openLocalFileReader, which says why with the path.
 */
export function sealFileSync(
  hash: HashFunc,
  encryptor: ContentEncryptor,
  path: string,
  buf: Buffer,
  limit: number,
): { hash: Buffer; length: number } | undefined {
  const at = encryptor.inPlaceOffset;
  let length: number | undefined;
  try {
    length = readSmallFile(path, buf, at, limit);
  } catch {
    return undefined;
  }
  if (length === undefined) return undefined;
  const h = hash(buf.subarray(at, at + length));
  encryptor.encryptInPlace(buf, length, ivForContent(contentId('', h)));
  return { hash: h, length };
}
