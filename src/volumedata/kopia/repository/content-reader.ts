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
import type { ContentOpener } from './content-opener.ts';
import { PackReadPlan, type PackReadOptions } from './pack-reads.ts';

/** Prefixes of contents that hold metadata kopia reads often: directories, index objects, manifests. */
const CACHED_PREFIXES = new Set(['k', 'x', 'm']);
/** Bytes of metadata contents kept (default). */
export const DEFAULT_METADATA_CACHE_BYTES = 32 << 20;
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

/** Reads contents from packs, with a byte-bounded LRU cache of metadata contents and shared in-flight reads. */
export class ContentReader {
  private readonly cache = new Map<string, Buffer>();
  private cachedBytes = 0;
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private readonly options: ContentReaderOptions;
  private readonly cacheLimit: number;

  constructor(options: ContentReaderOptions) {
    this.options = options;
    this.cacheLimit = options.cacheBytes ?? DEFAULT_METADATA_CACHE_BYTES;
  }

  /**
   * The content's plaintext; NOT_FOUND when the index does not list it, CORRUPT/INTEGRITY naming
   * content and pack otherwise. An opener (worker threads) opens data contents; metadata contents,
   * small and cached, are opened here.
   */
  async getContent(contentId: string, opener?: ContentOpener, plan?: PackReadPlan): Promise<Buffer> {
    const cached = this.cache.get(contentId);
    if (cached !== undefined) {
      this.cache.delete(contentId);
      this.cache.set(contentId, cached);
      return cached;
    }
    const pending = this.inFlight.get(contentId);
    if (pending !== undefined) return pending;
    const entry = this.options.lookup(contentId);
    if (entry === undefined) throw contentNotFound(contentId, this.options.blobs.description);
    if (!CACHED_PREFIXES.has(contentId.charAt(0))) return this.read(entry, opener, plan);
    const read = this.read(entry);
    this.inFlight.set(contentId, read);
    try {
      const data = await read;
      this.remember(contentId, data);
      return data;
    } finally {
      this.inFlight.delete(contentId);
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
      (pack, offset, length) => blobs.getBlob(pack, { offset, length }),
      entries,
      options,
    );
  }

  /** Reads and opens the content an entry points at (here, or with opener; its payload from plan when planned). */
  async read(entry: IndexEntry, opener?: ContentOpener, plan?: PackReadPlan): Promise<Buffer> {
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
    const payload = (await plan?.take(entry)) ?? (await this.readPack(entry));
    try {
      // The payload was read for this call alone: it is decrypted over itself.
      if (opener !== undefined) return await opener(entry, payload);
      return openContent(this.options.hash, this.options.encryptor, entry, payload, { inPlace: true });
    } catch (err) {
      if (!(err instanceof LifeboatError)) throw err;
      throw new LifeboatError(err.code, `${err.message} (pack ${entry.packBlobId}, offset ${packOffset})`, {
        hint:
          err.hint ??
          'the pack was damaged in storage; run `kopia snapshot verify --verify-files-percent=100`',
        cause: err,
        details: { contentId: entry.contentId, packBlobId: entry.packBlobId },
      });
    }
  }

  private async readPack(entry: IndexEntry): Promise<Buffer> {
    const { blobs } = this.options;
    let payload: Buffer;
    try {
      payload = await blobs.getBlob(entry.packBlobId, {
        offset: entry.packOffset,
        length: entry.packedLength,
      });
    } catch (err) {
      if (!(err instanceof LifeboatError)) throw err;
      if (err.code === 'NOT_FOUND') {
        throw new LifeboatError(
          'CORRUPT',
          `content ${entry.contentId} is in pack ${entry.packBlobId}, which is missing from ${blobs.description}`,
          {
            cause: err,
            hint: 'a pack was deleted outside kopia; snapshots using it cannot be restored in full — run `kopia snapshot fix invalid-files`',
            details: { contentId: entry.contentId, packBlobId: entry.packBlobId },
          },
        );
      }
      if (err.code === 'CORRUPT')
        throw corruptEntry(entry, `the pack is shorter than the index says (${err.message})`);
      throw err;
    }
    if (payload.length !== entry.packedLength) {
      throw corruptEntry(entry, `read ${payload.length} bytes where the index says ${entry.packedLength}`);
    }
    return payload;
  }

  private remember(contentId: string, data: Buffer): void {
    if (data.length > this.cacheLimit / 4) return;
    this.cache.set(contentId, data);
    this.cachedBytes += data.length;
    for (const [id, old] of this.cache) {
      if (this.cachedBytes <= this.cacheLimit) break;
      this.cache.delete(id);
      this.cachedBytes -= old.length;
    }
  }

  /** Drops every cached content (after an index refresh, entries may point elsewhere). */
  clear(): void {
    this.cache.clear();
    this.cachedBytes = 0;
  }
}
