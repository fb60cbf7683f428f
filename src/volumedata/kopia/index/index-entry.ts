/**
 * One content's record in an index blob, as kopia's index.Info carries it: where the content's
 * encrypted bytes live (pack blob, offset, packed length), its plaintext length, when it was written,
 * whether it is a deletion marker, and the format it was written with (compression header, content
 * format version, encryption key ID).
 */
export interface IndexEntry {
  /** Content ID: an optional prefix letter g..z followed by the hash in lowercase hex. */
  contentId: string;
  packBlobId: string;
  packOffset: number;
  packedLength: number;
  originalLength: number;
  /** Unix seconds. */
  timestampSeconds: number;
  deleted: boolean;
  /** compression.HeaderID; 0 = not compressed. */
  compressionHeaderId: number;
  formatVersion: number;
  encryptionKeyId: number;
}

/** What every decoded index blob (v1 or v2) answers. */
export interface PackIndex {
  /** The index blob the entries came from, for messages. */
  readonly blobId: string;
  /** Number of entries. */
  readonly count: number;
  /** The entry for a content ID, or undefined; a binary search over the encoded bytes. */
  lookup(contentId: string): IndexEntry | undefined;
  /** The entry with a given key (prefix byte ‖ hash bytes), or undefined. */
  lookupKey(key: Uint8Array): IndexEntry | undefined;
  /** All entries in content ID order (kopia's order: unprefixed IDs first, then g..z). */
  entries(): IterableIterator<IndexEntry>;
}
