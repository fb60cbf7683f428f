// Encrypted blobs that are not packs (index blobs, epoch markers, kopia.blobcfg's neighbours), as
// kopia's internal/blobcrypto writes them: the blob ID is prefix + hex(hash(plaintext)), optionally
// followed by '-' + suffix; the IV is the last 32 hex digits before the first '-'.
import { LifeboatError } from '../../../errors/index.ts';
import type { ContentEncryptor } from './encryption.ts';
import type { HashFunc } from './hashing.ts';

const IV_HEX_LENGTH = 32;
const HEX = /^[0-9a-f]+$/;

/** The part of a blob ID that carries prefix and hash: everything before the first '-'. */
function hashPart(blobId: string): string {
  const dash = blobId.indexOf('-');
  return dash >= 0 ? blobId.slice(0, dash) : blobId;
}

/** kopia's IV for an encrypted blob, read from its ID; CORRUPT when the ID cannot carry one. */
export function ivForBlob(blobId: string): Buffer {
  const part = hashPart(blobId);
  const ivHex = part.slice(part.length - IV_HEX_LENGTH);
  if (part.length < IV_HEX_LENGTH || !HEX.test(ivHex)) {
    throw new LifeboatError(
      'CORRUPT',
      `Blob ${blobId} has no IV in its name: 32 hex digits expected before the first "-".`,
      {
        hint: 'This blob was not written by kopia or lifeboat; move it out of the repository.',
      },
    );
  }
  return Buffer.from(ivHex, 'hex');
}

/** Encrypts data into a blob named by its hash, as kopia does for index and log blobs. */
export function encryptBlob(
  hash: HashFunc,
  enc: ContentEncryptor,
  prefix: string,
  data: Uint8Array,
  suffix?: string,
): { blobId: string; data: Buffer } {
  let blobId = prefix + hash(data).toString('hex');
  if (suffix !== undefined && suffix !== '') blobId += `-${suffix}`;
  return { blobId, data: enc.encrypt(data, ivForBlob(blobId)) };
}

/** Decrypts a blob encryptBlob wrote and checks its plaintext against the hash in its ID. */
export function decryptBlob(hash: HashFunc, enc: ContentEncryptor, blobId: string, data: Uint8Array): Buffer {
  const iv = ivForBlob(blobId);
  let plain: Buffer;
  try {
    plain = enc.decrypt(data, iv);
  } catch (err) {
    if (err instanceof LifeboatError) {
      throw new LifeboatError(err.code, `Blob ${blobId}: ${err.message}`, { hint: err.hint, cause: err });
    }
    throw err;
  }
  if (!hashPart(blobId).endsWith(hash(plain).toString('hex'))) {
    throw new LifeboatError('INTEGRITY', `Blob ${blobId} does not match the hash in its name.`, {
      hint: 'The blob was changed in storage or belongs to another repository; run `kopia blob list` to compare.',
    });
  }
  return plain;
}
