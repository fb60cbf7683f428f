import { LifeboatError } from '../../../errors/index.ts';

/**
 * Content IDs as kopia's index stores them: a key of one prefix byte (0 for unprefixed IDs, else
 * 'g'..'z') followed by the raw hash. Comparing keys bytewise is kopia's ID order (ID.less), so
 * sorted keys are sorted content IDs.
 */

/** kopia's hashing.MaxHashSize: the longest hash a content ID can carry. */
export const maxHashSize = 32;

const hexPattern = /^[0-9a-f]+$/;

/** True when the byte is a valid content ID prefix ('g'..'z'). */
export function isPrefixByte(b: number): boolean {
  return b >= 0x67 && b <= 0x7a;
}

/** The index key of a content ID; USAGE error for an ID kopia's ParseID would refuse. */
export function contentIdToKey(contentId: string): Buffer {
  const key = tryContentIdToKey(contentId);
  if (key === undefined) {
    throw new LifeboatError('USAGE', `invalid content ID ${JSON.stringify(contentId.slice(0, 80))}`, {
      hint: 'a content ID is an optional letter g..z followed by an even number of lowercase hex digits',
    });
  }
  return key;
}

/** The index key of a content ID, or undefined when it is not a valid one. */
export function tryContentIdToKey(contentId: string): Buffer | undefined {
  const odd = contentId.length % 2 === 1;
  const prefix = odd ? contentId.charCodeAt(0) : 0;
  if (odd && !isPrefixByte(prefix)) return undefined;
  const hex = odd ? contentId.slice(1) : contentId;
  if (hex.length === 0 || hex.length > 2 * maxHashSize || !hexPattern.test(hex)) return undefined;
  const key = Buffer.allocUnsafe(1 + hex.length / 2);
  key[0] = prefix;
  key.write(hex, 1, 'hex');
  return key;
}

/**
 * Compares a key with the key stored at data[at..at+key.length) bytewise, like Buffer.compare but
 * without a native call per comparison: a lookup makes ~20 of them and most end at the second byte.
 */
export function compareKeyAt(key: Uint8Array, data: Uint8Array, at: number): number {
  for (let i = 0; i < key.length; i++) {
    const d = (key[i] ?? 0) - (data[at + i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The key length of a content ID (1 + hash bytes), or undefined when it is not a valid ID. */
export function contentIdKeyLength(contentId: string): number | undefined {
  const odd = contentId.length % 2 === 1;
  if (odd && !isPrefixByte(contentId.charCodeAt(0))) return undefined;
  const hexLength = contentId.length - (odd ? 1 : 0);
  if (hexLength === 0 || hexLength > 2 * maxHashSize) return undefined;
  return hexPattern.test(odd ? contentId.slice(1) : contentId) ? 1 + hexLength / 2 : undefined;
}

/** Writes the key of a valid content ID (see contentIdKeyLength) at out[at..]. */
export function writeContentIdKey(contentId: string, out: Buffer, at: number): void {
  const odd = contentId.length % 2 === 1;
  out[at] = odd ? contentId.charCodeAt(0) : 0;
  out.write(odd ? contentId.slice(1) : contentId, at + 1, 'hex');
}

/** The content ID of an index key, or undefined when the key is malformed. */
export function keyToContentId(key: Uint8Array): string | undefined {
  if (key.length < 2 || key.length > maxHashSize + 1) return undefined;
  const prefix = key[0] ?? 0;
  if (prefix !== 0 && !isPrefixByte(prefix)) return undefined;
  const hash = Buffer.from(key.buffer, key.byteOffset + 1, key.length - 1).toString('hex');
  return prefix === 0 ? hash : String.fromCharCode(prefix) + hash;
}

/**
 * kopia's content ID order (ID.less: by prefix, none first, then by hash bytes). For valid IDs this
 * is plain string order: lowercase hex sorts like its bytes, and every unprefixed ID starts with
 * 0-9a-f, below the prefixes g..z.
 */
export function compareContentIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
