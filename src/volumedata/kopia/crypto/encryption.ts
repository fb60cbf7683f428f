// Content encryption as kopia v0.22.3's repo/encryption does it: a key-derivation secret is
// HKDF-SHA256(masterKey, salt "encryption", no info, 32 bytes); each content gets its own AEAD key
// HMAC-SHA256(secret, iv), where iv is the content's (or blob's) 16-byte IV; the ciphertext is
// nonce (12 random bytes) ‖ sealed data ‖ tag (16 bytes), with the IV as additional data.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomFillSync,
  type CipherChaCha20Poly1305,
  type CipherGCM,
  type DecipherChaCha20Poly1305,
  type DecipherGCM,
} from 'node:crypto';
import { LifeboatError } from '../../../errors/index.ts';
import { droppedPieces } from './piece-garbage.ts';

export interface ContentEncryptor {
  /** Bytes a ciphertext has beyond its plaintext (nonce and tag). */
  readonly overhead: number;
  encrypt(plain: Uint8Array, iv: Uint8Array): Buffer;
  /**
   * Encrypts into out at offset (which must have plain.length + overhead bytes of room) and returns
   * the bytes written: no ciphertext buffer as large as the plaintext is allocated.
   */
  encryptInto(plain: Uint8Array, iv: Uint8Array, out: Buffer, offset: number): number;
  /** INTEGRITY when the tag does not match (wrong key, tampered or truncated data). */
  decrypt(cipher: Uint8Array, iv: Uint8Array): Buffer;
  /**
   * Decrypts over the ciphertext itself and returns the plaintext, a view of cipher's first bytes:
   * no plaintext buffer is allocated. cipher is garbage afterwards, also when this throws.
   */
  decryptInPlace(cipher: Buffer, iv: Uint8Array): Buffer;
}

/** The encryption algorithms kopia v0.22.3 registers. */
export const ENCRYPTION_ALGORITHMS = ['AES256-GCM-HMAC-SHA256', 'CHACHA20-POLY1305-HMAC-SHA256'] as const;

/** kopia's default (and Velero's). */
export const DEFAULT_ENCRYPTION_ALGORITHM = 'AES256-GCM-HMAC-SHA256';

const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const KEY_SIZE = 32;
const PURPOSE_ENCRYPTION_KEY = 'encryption';
/**
 * Plaintext is fed to the cipher in pieces this large: each piece's ciphertext is a small buffer
 * malloc reuses, where one as large as a 4 MiB content is fresh memory the kernel must fault in.
 */
const PIECE = 64 * 1024;

/**
 * Nonces are cut from random bytes drawn this many at a time: a draw costs ~11 µs however small
 * (0.1 s of a worker's CPU for 10k contents), and the bytes are the same CSPRNG's either way.
 */
const NONCE_POOL = 4096;
const nonces = Buffer.alloc(NONCE_POOL);
let noncesUsed = NONCE_POOL;

/** Fills out with fresh random bytes (each used once) from this thread's pool. */
function fillNonce(out: Buffer): void {
  if (noncesUsed + out.length > NONCE_POOL) {
    randomFillSync(nonces);
    noncesUsed = 0;
  }
  nonces.copy(out, 0, noncesUsed, noncesUsed + out.length);
  noncesUsed += out.length;
}

type Cipher = 'aes-256-gcm' | 'chacha20-poly1305';
const AEAD_OPTIONS = { authTagLength: TAG_SIZE };

function cipherOf(cipher: Cipher, key: KeyObject, nonce: Buffer): CipherGCM | CipherChaCha20Poly1305 {
  return cipher === 'aes-256-gcm'
    ? createCipheriv(cipher, key, nonce, AEAD_OPTIONS)
    : createCipheriv(cipher, key, nonce, AEAD_OPTIONS);
}

function decipherOf(
  cipher: Cipher,
  key: KeyObject,
  nonce: Uint8Array,
): DecipherGCM | DecipherChaCha20Poly1305 {
  return cipher === 'aes-256-gcm'
    ? createDecipheriv(cipher, key, nonce, AEAD_OPTIONS)
    : createDecipheriv(cipher, key, nonce, AEAD_OPTIONS);
}

/** The decipher's last bytes; a tag that does not match is INTEGRITY. */
function finalOrIntegrity(d: DecipherGCM | DecipherChaCha20Poly1305): Buffer {
  try {
    return d.final();
  } catch (err) {
    throw new LifeboatError('INTEGRITY', 'Decryption failed: the authentication tag does not match.', {
      hint: 'The data was changed or damaged in storage, or it belongs to another repository.',
      cause: err,
    });
  }
}

/** HKDF-SHA256 of the master key with kopia's purpose as the salt and an empty info. */
function deriveSecret(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, PURPOSE_ENCRYPTION_KEY, '', KEY_SIZE));
}

class HmacKeyedAead implements ContentEncryptor {
  readonly overhead = NONCE_SIZE + TAG_SIZE;

  private readonly cipher: Cipher;
  /**
   * Keys are KeyObjects: given a Buffer, Node's crypto first tries it as a KeyObject and builds (and
   * drops) a TypeError with its stack trace, ~10 µs a call, for every content's HMAC and cipher.
   */
  private readonly secret: KeyObject;

  constructor(cipher: Cipher, secret: Buffer) {
    this.cipher = cipher;
    this.secret = createSecretKey(secret);
  }

  private keyFor(iv: Uint8Array): KeyObject {
    return createSecretKey(createHmac('sha256', this.secret).update(iv).digest());
  }

  encrypt(plain: Uint8Array, iv: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(plain.length + this.overhead);
    this.encryptInto(plain, iv, out, 0);
    return out;
  }

  encryptInto(plain: Uint8Array, iv: Uint8Array, out: Buffer, offset: number): number {
    if (out.length - offset < plain.length + this.overhead) {
      throw new RangeError(`encryptInto: ${out.length - offset} bytes of room for ${plain.length} bytes`);
    }
    const nonce = out.subarray(offset, offset + NONCE_SIZE);
    fillNonce(nonce);
    const c = cipherOf(this.cipher, this.keyFor(iv), nonce);
    c.setAAD(iv, { plaintextLength: plain.length });
    let at = offset + NONCE_SIZE;
    for (let from = 0; from < plain.length; from += PIECE) {
      at += c.update(plain.subarray(from, Math.min(plain.length, from + PIECE))).copy(out, at);
    }
    at += c.final().copy(out, at);
    at += c.getAuthTag().copy(out, at);
    droppedPieces(plain.length);
    return at - offset;
  }

  decrypt(cipher: Uint8Array, iv: Uint8Array): Buffer {
    const d = this.decipher(cipher, iv);
    const plain = d.update(cipher.subarray(NONCE_SIZE, cipher.length - TAG_SIZE));
    const rest = finalOrIntegrity(d);
    return rest.length > 0 ? Buffer.concat([plain, rest]) : plain;
  }

  decryptInPlace(cipher: Buffer, iv: Uint8Array): Buffer {
    const d = this.decipher(cipher, iv);
    const end = cipher.length - TAG_SIZE;
    // Plaintext byte i lands at i, its ciphertext byte was at NONCE_SIZE + i and is read first.
    let at = 0;
    for (let from = NONCE_SIZE; from < end; from += PIECE) {
      at += d.update(cipher.subarray(from, Math.min(end, from + PIECE))).copy(cipher, at);
    }
    at += finalOrIntegrity(d).copy(cipher, at);
    droppedPieces(at);
    return cipher.subarray(0, at);
  }

  /** A decipher keyed for iv, with cipher's nonce, AAD and tag set. */
  private decipher(cipher: Uint8Array, iv: Uint8Array): DecipherGCM | DecipherChaCha20Poly1305 {
    if (cipher.length < this.overhead) {
      throw new LifeboatError(
        'INTEGRITY',
        `Encrypted data is ${cipher.length} bytes, shorter than the ${this.overhead} bytes of nonce and tag.`,
        { hint: 'The data is truncated: check the storage it was read from.' },
      );
    }
    const d = decipherOf(this.cipher, this.keyFor(iv), cipher.subarray(0, NONCE_SIZE));
    d.setAAD(iv, { plaintextLength: cipher.length - this.overhead });
    d.setAuthTag(cipher.subarray(cipher.length - TAG_SIZE));
    return d;
  }
}

/** kopia's encryptor `algorithm` over the repository's master key; an unknown one is UNSUPPORTED. */
export function createEncryptor(algorithm: string, masterKey: Buffer): ContentEncryptor {
  switch (algorithm) {
    case 'AES256-GCM-HMAC-SHA256':
      return new HmacKeyedAead('aes-256-gcm', deriveSecret(masterKey));
    case 'CHACHA20-POLY1305-HMAC-SHA256':
      return new HmacKeyedAead('chacha20-poly1305', deriveSecret(masterKey));
    default:
      throw new LifeboatError('UNSUPPORTED', `Unknown encryption algorithm "${algorithm}".`, {
        hint: `lifeboat knows kopia's encryption algorithms: ${ENCRYPTION_ALGORITHMS.join(', ')}.`,
      });
  }
}
