// Reading one content: its index entry, a range read of its pack, then decryption, decompression
// (capped at the index's original length) and the hash check. Metadata contents (directories,
// index objects, manifests) go through a small cache: a restore reads each directory once, a
// verify reads them again, and manifests are read on every listing.
import { LifeboatError } from '../../../errors/index.ts';
import type { BlobStorage } from '../blob/blob-storage.ts';
import { openContent } from '../crypto/content.ts';
import type { ContentEncryptor } from '../crypto/encryption.ts';
import type { HashFunc } from '../crypto/hashing.ts';
import type { IndexEntry } from '../index/index-entry.ts';
import type { ContentOpener, OpenContext } from './content-opener.ts';
import { type LentPayload, PackReadPlan, type PackReadOptions } from './pack-reads.ts';
import { ByteCache } from './byte-cache.ts';
import { ReadBuffers } from './read-buffers.ts';

/** Prefixes of contents that hold metadata kopia reads often: directories, index objects, manifests. */
const CACHED_PREFIXES = new Set(['k', 'x', 'm']);
/** Bytes of metadata contents kept (default). */
export const DEFAULT_METADATA_CACHE_BYTES = 32 << 20;
/**
 * Bytes of whole metadata packs (`q`) kept. A metadata content is read by fetching its whole pack,
 * as kopia's metadata cache does (it caches full `q` blobs): the directories of a snapshot share a
 * few packs, so a re-snapshot or a restore reads each pack once instead of one range per directory
 * (10k files in 101 directories: 101 range reads became 1). A pack larger than half of this is read
 * by ranges as before.
 */
export const METADATA_PACK_CACHE_BYTES = 16 << 20;
const METADATA_PACK_PREFIX = 'q';
/** No content kopia writes is larger (its packs are at most a few tens of MiB). */
export const MAX_CONTENT_BYTES = 1 << 30;

export interface ContentReaderOptions {
  blobs: BlobStorage;
  hash: HashFunc;
  encryptor: ContentEncryptor;
  /** The merged index's entry for a content, deleted or not. */
  lookup: (contentId: string) => IndexEntry | undefined;
  cacheBytes?: number;
}

/** A content is missing from the index: NOT_FOUND naming it. */
export function contentNotFound(contentId: string, where: string): LifeboatError {
  return new LifeboatError('NOT_FOUND', `content ${contentId} is not in the index of ${where}`, {
    hint: 'the repository is damaged or the content was deleted by maintenance; run `kopia snapshot verify`',
    details: { contentId },
  });
}

function corruptEntry(e: IndexEntry, why: string): LifeboatError {
  return new LifeboatError('CORRUPT', `content ${e.contentId} in pack ${e.packBlobId}: ${why}`, {
    hint: 'the index is damaged; run `kopia index recover` or restore the repository from a copy',
    details: { contentId: e.contentId, packBlobId: e.packBlobId },
  });
}

/** The index gives the content a range a pack can have. */
function plausibleRange({ packOffset, packedLength }: IndexEntry): boolean {
  return (
    Number.isSafeInteger(packOffset) &&
    packOffset >= 0 &&
    packedLength > 0 &&
    packedLength <= MAX_CONTENT_BYTES
  );
}

/**
 * A content's plaintext lent out of the reader's read buffers: `data` is valid until `release`
 * (call it once the bytes are written out; later calls do nothing), after which its memory is
 * reused. A lease never released only loses the reuse.
 */
export interface ContentLease {
  readonly data: Buffer;
  readonly release: () => void;
}

const KEEP: () => void = () => undefined;

/** The entry's range and length are ones a pack can hold (CORRUPT naming the content otherwise). */
function checkEntry(entry: IndexEntry): void {
  const { packOffset, packedLength, originalLength } = entry;
  if (!plausibleRange(entry)) {
    throw corruptEntry(
      entry,
      `the index gives an impossible range (offset ${packOffset}, length ${packedLength})`,
    );
  }
  if (originalLength < 0 || originalLength > MAX_CONTENT_BYTES) {
    throw corruptEntry(entry, `the index gives an impossible length ${originalLength}`);
  }
}

/** Reads contents from packs, with a byte-bounded LRU cache of metadata contents and shared in-flight reads. */
export class ContentReader {
  /** Metadata contents read, and their reads under way. */
  private readonly cache: ByteCache;
  private readonly options: ContentReaderOptions;
  /** Where lent reads land (getContentLease and plans). */
  private readonly buffers = new ReadBuffers();
  /** Whole metadata packs read, and their reads under way. */
  private readonly packs = new ByteCache(METADATA_PACK_CACHE_BYTES, METADATA_PACK_CACHE_BYTES / 2);

  constructor(options: ContentReaderOptions) {
    this.options = options;
    const limit = options.cacheBytes ?? DEFAULT_METADATA_CACHE_BYTES;
    this.cache = new ByteCache(limit, limit / 4);
  }

  /**
   * The content's plaintext; NOT_FOUND when the index does not list it, CORRUPT/INTEGRITY naming
   * content and pack otherwise. An opener (worker threads) opens data contents; metadata contents,
   * small and cached, are opened here.
   */
  async getContent(contentId: string, opener?: ContentOpener, plan?: PackReadPlan): Promise<Buffer> {
    const known = this.cache.find(contentId);
    if (known !== undefined) return known;
    const entry = this.options.lookup(contentId);
    if (entry === undefined) throw contentNotFound(contentId, this.options.blobs.description);
    if (!CACHED_PREFIXES.has(contentId.charAt(0))) return this.read(entry, opener, plan);
    return this.cache.load(contentId, () => this.readMetadata(entry));
  }

  /**
   * Like getContent, but a data content's plaintext is lent (ContentLease): it is read and decrypted
   * in a reused buffer, which goes back when released. Metadata contents are never lent.
   */
  async getContentLease(
    contentId: string,
    opener?: ContentOpener,
    plan?: PackReadPlan,
  ): Promise<ContentLease> {
    const entry = CACHED_PREFIXES.has(contentId.charAt(0)) ? undefined : this.options.lookup(contentId);
    if (entry === undefined) return { data: await this.getContent(contentId, opener, plan), release: KEEP };
    checkEntry(entry);
    const planned = await plan?.takeLent(entry);
    const lent = planned === undefined ? await this.readLent(entry) : { ...planned, exclusive: false };
    const { payload } = lent;
    try {
      const context = { exclusive: lent.exclusive, buffers: this.buffers };
      const data = await this.open(entry, payload, opener, context);
      if (data.buffer === payload.buffer) return { data, release: lent.release };
      // Opened into memory of its own (a worker's, adopted by the buffers): the payload's goes back
      // now (a whole buffer handed over is gone already), the plaintext's once it is written out.
      lent.release();
      return { data, release: () => this.buffers.give(data) };
    } catch (err) {
      lent.release();
      throw err;
    }
  }

  /**
   * A plan of coalesced pack reads for data contents about to be read in this order (a directory's
   * files): getContent with it serves each planned content from its range once.
   */
  plan(contentIds: Iterable<string>, options?: PackReadOptions): PackReadPlan {
    const entries: IndexEntry[] = [];
    for (const id of contentIds) {
      if (CACHED_PREFIXES.has(id.charAt(0))) continue;
      const entry = this.options.lookup(id);
      if (entry !== undefined && plausibleRange(entry)) entries.push(entry);
    }
    const { blobs } = this.options;
    return new PackReadPlan(
      (pack, offset, length, into) =>
        blobs.getBlob(pack, into === undefined ? { offset, length } : { offset, length, into }),
      entries,
      { buffers: this.buffers, ...options },
    );
  }

  /**
   * Reads and opens a metadata content: from its whole pack when the pack is a metadata pack
   * (fetched once and kept, see METADATA_PACK_CACHE_BYTES), else by its range.
   */
  private async readMetadata(entry: IndexEntry): Promise<Buffer> {
    checkEntry(entry);
    if (!entry.packBlobId.startsWith(METADATA_PACK_PREFIX)) return this.read(entry);
    const pack = await this.metadataPack(entry);
    const end = entry.packOffset + entry.packedLength;
    if (end > pack.length) {
      throw corruptEntry(entry, `the pack is ${pack.length} bytes, shorter than the index says (${end})`);
    }
    // A copy: the content is decrypted over its payload, and the pack stays as read.
    return this.open(entry, Buffer.from(pack.subarray(entry.packOffset, end)), undefined);
  }

  /** A metadata pack whole, from the cache or read once for every content asking for it. */
  private metadataPack(entry: IndexEntry): Promise<Buffer> | Buffer {
    return (
      this.packs.find(entry.packBlobId) ?? this.packs.load(entry.packBlobId, () => this.readWholePack(entry))
    );
  }

  /** Reads and opens the content an entry points at (here, or with opener; its payload from plan when planned). */
  async read(entry: IndexEntry, opener?: ContentOpener, plan?: PackReadPlan): Promise<Buffer> {
    checkEntry(entry);
    const payload = (await plan?.take(entry)) ?? (await this.readPack(entry));
    return this.open(entry, payload, opener);
  }

  /**
   * The payload of an entry read into a lent read buffer; exclusive when it is that buffer (the
   * storage may answer with memory of its own).
   */
  private async readLent(entry: IndexEntry): Promise<LentPayload & { exclusive: boolean }> {
    const into = this.buffers.take(entry.packedLength);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.buffers.give(into);
    };
    try {
      const payload = await this.readPack(entry, into);
      return { payload, release, exclusive: payload.buffer === into.buffer };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Opens a payload read for this call alone (decrypted over itself); errors name pack and offset. */
  private async open(
    entry: IndexEntry,
    payload: Buffer,
    opener: ContentOpener | undefined,
    context?: OpenContext,
  ): Promise<Buffer> {
    try {
      if (opener !== undefined) return await opener(entry, payload, context);
      return openContent(this.options.hash, this.options.encryptor, entry, payload, { inPlace: true });
    } catch (err) {
      if (!(err instanceof LifeboatError)) throw err;
      throw new LifeboatError(
        err.code,
        `${err.message} (pack ${entry.packBlobId}, offset ${entry.packOffset})`,
        {
          hint:
            err.hint ??
            'the pack was damaged in storage; run `kopia snapshot verify --verify-files-percent=100`',
          cause: err,
          details: { contentId: entry.contentId, packBlobId: entry.packBlobId },
        },
      );
    }
  }

  /** The whole pack an entry points into (errors as readPack's). */
  private async readWholePack(entry: IndexEntry): Promise<Buffer> {
    try {
      return await this.options.blobs.getBlob(entry.packBlobId);
    } catch (err) {
      throw this.packReadError(entry, err);
    }
  }

  private async readPack(entry: IndexEntry, into?: Buffer): Promise<Buffer> {
    const { blobs } = this.options;
    let payload: Buffer;
    try {
      const range = { offset: entry.packOffset, length: entry.packedLength };
      payload = await blobs.getBlob(entry.packBlobId, into === undefined ? range : { ...range, into });
    } catch (err) {
      throw this.packReadError(entry, err);
    }
    if (payload.length !== entry.packedLength) {
      throw corruptEntry(entry, `read ${payload.length} bytes where the index says ${entry.packedLength}`);
    }
    return payload;
  }

  /** A failed read of an entry's pack, as the error that names the content and the pack. */
  private packReadError(entry: IndexEntry, err: unknown): unknown {
    if (!(err instanceof LifeboatError)) return err;
    if (err.code === 'NOT_FOUND') {
      return new LifeboatError(
        'CORRUPT',
        `content ${entry.contentId} is in pack ${entry.packBlobId}, which is missing from ${this.options.blobs.description}`,
        {
          cause: err,
          hint: 'a pack was deleted outside kopia; snapshots using it cannot be restored in full — run `kopia snapshot fix invalid-files`',
          details: { contentId: entry.contentId, packBlobId: entry.packBlobId },
        },
      );
    }
    if (err.code === 'CORRUPT')
      return corruptEntry(entry, `the pack is shorter than the index says (${err.message})`);
    return err;
  }

  /** Drops every cached content (after an index refresh, entries may point elsewhere). */
  clear(): void {
    this.cache.clear();
  }
}
