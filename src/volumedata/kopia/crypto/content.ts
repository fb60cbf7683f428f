// Contents in packs, both directions: a content's ID is an optional one-letter prefix ('g'..'z')
// followed by the hex hash of its uncompressed data; its IV (kopia's getPackedContentIV) is the
// last 16 bytes of that hash. Sealing compresses (when it saves space) and encrypts; opening
// decrypts, decompresses within the index's original length and checks the hash.
import { LifeboatError } from '../../../errors/index.ts';
import { compress, compressorHeaderId, decompress } from './compression.ts';
import type { ContentEncryptor } from './encryption.ts';
import type { HashFunc } from './hashing.ts';

const IV_SIZE = 16;
const PREFIX = /^[g-z]?$/;
const CONTENT_ID = /^([g-z]?)((?:[0-9a-f]{2})+)$/;

function badId(contentId: string, what: string): LifeboatError {
  return new LifeboatError('CORRUPT', `Content ID "${contentId}" ${what}.`, {
    hint: 'Content IDs are an optional letter g..z and an even number of hex digits; check the index or manifest that named it.',
  });
}

/** The content ID for a hash: prefix ('' or one of g..z) + hex(hash). */
export function contentId(prefix: string, hash: Uint8Array): string {
  if (!PREFIX.test(prefix)) {
    throw new LifeboatError('USAGE', `Content prefix "${prefix}" is not empty or a single letter g..z.`);
  }
  return prefix + Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
}

/** The IV kopia encrypts a content with: the last 16 bytes of the hash in its ID. */
export function ivForContent(id: string): Buffer {
  const m = CONTENT_ID.exec(id);
  const hex = m?.[2];
  if (hex === undefined) throw badId(id, 'is malformed');
  if (hex.length < IV_SIZE * 2) throw badId(id, 'has a hash shorter than 16 bytes');
  return Buffer.from(hex.slice(hex.length - IV_SIZE * 2), 'hex');
}

export interface SealedContent {
  contentId: string;
  /** 0 when stored uncompressed. */
  compressionHeaderId: number;
  originalLength: number;
  /** What goes into the pack: encrypt(header ‖ compressed) or encrypt(data). */
  payload: Buffer;
}

/**
 * Hashes, optionally compresses and encrypts one content as kopia writes it into a pack. The
 * compressed form is kept only when it is smaller than the data (kopia's rule). kopia never
 * compresses prefixed contents of a repository with index v1: pass no compressor there.
 */
export function sealContent(
  hash: HashFunc,
  enc: ContentEncryptor,
  prefix: string,
  data: Uint8Array,
  compressor?: string,
): SealedContent {
  const id = contentId(prefix, hash(data));
  let body: Uint8Array = data;
  let compressionHeaderId = 0;
  if (compressor !== undefined) {
    const compressed = compress(compressor, data);
    if (compressed.length < data.length) {
      body = compressed;
      compressionHeaderId = compressorHeaderId(compressor);
    }
  }
  return {
    contentId: id,
    compressionHeaderId,
    originalLength: data.length,
    payload: enc.encrypt(body, ivForContent(id)),
  };
}

function named(id: string, err: unknown): unknown {
  if (!(err instanceof LifeboatError)) return err;
  return new LifeboatError(err.code, `Content ${id}: ${err.message}`, { hint: err.hint, cause: err });
}

/**
 * Decrypts one content read from a pack, decompresses it (its output capped at originalLength)
 * and checks that it hashes to its ID. Errors name the content; a hash mismatch is INTEGRITY. With
 * inPlace, a Buffer payload is decrypted over itself (garbage afterwards): no copy as large. With
 * checkHash false the hash is not computed: the authenticated decryption is the integrity check,
 * as in kopia's reads (see content-opener.ts's authenticatedOpener).
 */
export function openContent(
  hash: HashFunc,
  enc: ContentEncryptor,
  entry: { contentId: string; compressionHeaderId: number; originalLength: number },
  payload: Uint8Array,
  options: { inPlace?: boolean; checkHash?: boolean } = {},
): Buffer {
  const id = entry.contentId;
  let plain: Buffer;
  try {
    plain =
      options.inPlace === true && Buffer.isBuffer(payload)
        ? enc.decryptInPlace(payload, ivForContent(id))
        : enc.decrypt(payload, ivForContent(id));
    if (entry.compressionHeaderId !== 0) {
      plain = decompress(plain, entry.originalLength, entry.compressionHeaderId);
    }
  } catch (err) {
    throw named(id, err);
  }
  if (options.checkHash === false) return plain;
  const m = CONTENT_ID.exec(id);
  if (m === null || m[2] !== hash(plain).toString('hex')) {
    throw new LifeboatError('INTEGRITY', `Content ${id} does not match its hash.`, {
      hint: 'The pack holding it was changed or damaged in storage; run `kopia content verify` to list damaged contents.',
    });
  }
  return plain;
}
