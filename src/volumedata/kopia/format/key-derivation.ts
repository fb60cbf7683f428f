import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  pbkdf2,
  randomBytes,
  scrypt,
} from 'node:crypto';
import { LifeboatError } from '../../../errors/index.ts';

/** Kopia's password-based key derivations of the format key (internal/crypto/pb_key_deriver_*.go). */
export const SCRYPT = 'scrypt-65536-8-1';
export const PBKDF2 = 'pbkdf2-sha256-600000';
export type KeyDerivationAlgorithm = typeof SCRYPT | typeof PBKDF2;
export const KEY_DERIVATION_ALGORITHMS: readonly string[] = [SCRYPT, PBKDF2];

const FORMAT_KEY_LENGTH = 32;
const MIN_SALT_LENGTH = 16;
const SCRYPT_N = 65536;
const SCRYPT_R = 8;
/** scrypt needs about 128·N·r bytes (64 MiB); Node refuses above its 32 MiB default maxmem. */
const SCRYPT_MAXMEM = 2 * 128 * SCRYPT_N * SCRYPT_R;

/** Format keys this process derived, by a digest of (algorithm, salt, password): at most this many. */
const MAX_CACHED_KEYS = 64;
const derivedKeys = new Map<string, Promise<Buffer>>();

/**
 * The format key: scrypt or pbkdf2 of the password, salted with the repository's uniqueID. A key
 * is derived once per process (scrypt costs ~0.1–0.3 s of CPU and 64 MiB): an agent opening the
 * same repository for every volume, or a snapshot that creates its repository and then opens it,
 * derives it once. Only a digest of the password is kept as the cache key.
 */
export function deriveFormatKey(password: string, uniqueId: Buffer, algorithm: string): Promise<Buffer> {
  const key = createHash('sha256')
    .update(`${algorithm}\0`)
    .update(uniqueId)
    .update('\0')
    .update(password, 'utf8')
    .digest('hex');
  const known = derivedKeys.get(key);
  if (known !== undefined) return known;
  const deriving = deriveUncached(password, uniqueId, algorithm);
  derivedKeys.set(key, deriving);
  deriving.catch(() => derivedKeys.delete(key));
  for (const old of derivedKeys.keys()) {
    if (derivedKeys.size <= MAX_CACHED_KEYS) break;
    derivedKeys.delete(old);
  }
  return deriving;
}

async function deriveUncached(password: string, uniqueId: Buffer, algorithm: string): Promise<Buffer> {
  if (uniqueId.length < MIN_SALT_LENGTH) {
    throw new LifeboatError(
      'CORRUPT',
      `the repository's uniqueID is ${uniqueId.length} bytes, kopia needs at least ${MIN_SALT_LENGTH}`,
      {
        hint: 'kopia.repository is damaged; restore it from a copy of the repository',
      },
    );
  }
  const pass = Buffer.from(password, 'utf8');
  if (algorithm === SCRYPT) {
    return new Promise((resolve, reject) => {
      scrypt(
        pass,
        uniqueId,
        FORMAT_KEY_LENGTH,
        { N: SCRYPT_N, r: SCRYPT_R, p: 1, maxmem: SCRYPT_MAXMEM },
        (err, key) => (err === null ? resolve(key) : reject(err)),
      );
    });
  }
  if (algorithm === PBKDF2) {
    return new Promise((resolve, reject) => {
      pbkdf2(pass, uniqueId, 600_000, FORMAT_KEY_LENGTH, 'sha256', (err, key) =>
        err === null ? resolve(key) : reject(err),
      );
    });
  }
  throw new LifeboatError(
    'UNSUPPORTED',
    `the repository's key derivation '${algorithm.slice(0, 60)}' is not supported`,
    {
      hint: `lifeboat reads repositories whose kopia.repository has keyAlgo ${KEY_DERIVATION_ALGORITHMS.join(' or ')}`,
    },
  );
}

/** HKDF-SHA256 of a key for a purpose (kopia internal/crypto DeriveKeyFromMasterKey). */
export function deriveKey(key: Buffer, salt: Buffer, purpose: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, purpose, length));
}

const NONCE = 12;
const TAG = 16;

/**
 * Kopia's AES256_GCM of repository blobs (internal/crypto/aesgcm.go): key = HKDF(formatKey, uniqueID,
 * "AES"), additional data = HKDF(formatKey, uniqueID, "CHECKSUM"); stored as nonce ‖ ciphertext ‖ tag.
 */
export function encryptFormatBytes(plain: Buffer, formatKey: Buffer, uniqueId: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(formatKey, uniqueId, 'AES', 32), nonce);
  cipher.setAAD(deriveKey(formatKey, uniqueId, 'CHECKSUM', 32));
  return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** The plaintext, or undefined when the bytes do not authenticate (a wrong password, or damage). */
export function decryptFormatBytes(data: Buffer, formatKey: Buffer, uniqueId: Buffer): Buffer | undefined {
  if (data.length < NONCE + TAG) return undefined;
  const decipher = createDecipheriv(
    'aes-256-gcm',
    deriveKey(formatKey, uniqueId, 'AES', 32),
    data.subarray(0, NONCE),
  );
  decipher.setAAD(deriveKey(formatKey, uniqueId, 'CHECKSUM', 32));
  decipher.setAuthTag(data.subarray(data.length - TAG));
  try {
    return Buffer.concat([decipher.update(data.subarray(NONCE, data.length - TAG)), decipher.final()]);
  } catch {
    return undefined;
  }
}
