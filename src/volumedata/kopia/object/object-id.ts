import { LifeboatError } from '../../../errors/index.ts';

/**
 * A kopia object ID (repo/object/objectid.go): `I` once per level of indirection, `Z` when the
 * content is compressed at the object layer, then the content ID — an optional prefix letter
 * `g`…`z` and the hash in hex. Kopia's legacy `D` before the content ID is accepted and dropped.
 */
export interface ObjectId {
  /** 0 for a direct object; n for an object whose entries are listed by an (n−1)-indirect one. */
  readonly indirection: number;
  /** The content holds a compression header and stream (only for direct objects). */
  readonly compressed: boolean;
  /** The content ID as kopia prints it: prefix letter (or none) and lower-case hex. */
  readonly contentId: string;
}

/** Deeper than any object kopia writes (a level multiplies the reach by ~65k entries). */
export const MAX_INDIRECTION = 8;
/** kopia's hashing.MaxHashSize: 32 bytes, 64 hex digits. */
const MAX_HASH_HEX = 64;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * Parses a content ID as kopia does (index.ParseID): an odd length means a prefix letter g…z,
 * then 1…32 bytes of hex (upper case is read and normalised to lower case). `null` if malformed.
 */
export function parseContentId(text: string): string | null {
  let prefix = '';
  let hex = text;
  if (text.length % 2 === 1) {
    prefix = text.charAt(0);
    if (prefix < 'g' || prefix > 'z') return null;
    hex = text.slice(1);
  }
  if (hex.length === 0 || hex.length > MAX_HASH_HEX || !HEX.test(hex)) return null;
  return prefix + hex.toLowerCase();
}

/**
 * Parses an object ID read from a repository (hostile): CORRUPT naming `where` when it is not
 * one kopia could have written — malformed content ID, empty, `Z` together with `I`, or more
 * than MAX_INDIRECTION levels.
 */
export function parseObjectId(text: string, where: string): ObjectId {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) === 0x49 /* I */) i++;
  const indirection = i;
  const compressed = text.charAt(i) === 'Z';
  if (compressed) i++;
  if (text.charAt(i) === 'D') i++;
  const contentId = parseContentId(text.slice(i));
  if (contentId === null || indirection > MAX_INDIRECTION || (compressed && indirection > 0)) {
    throw new LifeboatError('CORRUPT', `${where} holds a malformed object ID ${quoteId(text)}`, {
      hint: 'The repository is damaged or was not written by kopia; run `kopia snapshot verify` on it.',
    });
  }
  return { indirection, compressed, contentId };
}

/** The object ID as kopia prints it. */
export function formatObjectId(id: ObjectId): string {
  return 'I'.repeat(id.indirection) + (id.compressed ? 'Z' : '') + id.contentId;
}

/** The object stored in one content. */
export function directObjectId(contentId: string, compressed = false): ObjectId {
  return { indirection: 0, compressed, contentId };
}

/** The object whose entries are listed by the object `index`. */
export function indirectObjectId(index: ObjectId): ObjectId {
  return { indirection: index.indirection + 1, compressed: index.compressed, contentId: index.contentId };
}

/** The object listing the entries of an indirect object (one level less). */
export function indexObjectId(id: ObjectId): ObjectId {
  if (id.indirection === 0) throw new RangeError('a direct object has no index object');
  return { ...id, indirection: id.indirection - 1 };
}

/** An ID for a message: short, printable, never long enough to flood a log. */
function quoteId(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
