// An open kopia repository, read side: the format (password, keys), the hasher and encryptor, the
// merged index, contents by ID and the snapshots. Writers build on it (refreshIndex after a flush).
import type { BlobStorage } from '../blob/blob-storage.ts';
import { type ContentEncryptor, createEncryptor } from '../crypto/encryption.ts';
import { createHasher, type HashFunc } from '../crypto/hashing.ts';
import { openRepositoryFormat, type RepositoryFormat } from '../format/repository-format.ts';
import type { IndexEntry } from '../index/index-entry.ts';
import type { MergedIndex } from '../index/merge.ts';
import type { ManifestEntry } from '../object/manifest.ts';
import type { SnapshotManifest } from '../object/snapshot-manifest.ts';
import type { ContentOpener } from './content-opener.ts';
import { type ContentLease, ContentReader } from './content-reader.ts';
import { loadIndex } from './index-loader.ts';
import { loadManifests, type SnapshotFilter, snapshotById, snapshotsOf } from './snapshots.ts';

export interface KopiaRepository {
  readonly blobs: BlobStorage;
  readonly format: RepositoryFormat;
  readonly hash: HashFunc;
  readonly encryptor: ContentEncryptor;
  /** The merged index's live entry for a content (a deletion marker reads as undefined). */
  contentInfo(contentId: string): IndexEntry | undefined;
  /** The content's plaintext, checked against its hash (data contents opened by opener when given). */
  getContent(contentId: string, opener?: ContentOpener): Promise<Buffer>;
  /** getContent whose plaintext is lent from reused read buffers until released (ContentLease). */
  getContentLease(contentId: string, opener?: ContentOpener): Promise<ContentLease>;
  /**
   * Contents read from coalesced ranges of their packs: the data contents named, in the order
   * they will be asked for (a directory's files), are read a few at a time ahead of the consumer.
   */
  plannedReads(contentIds: Iterable<string>): Pick<KopiaRepository, 'getContent' | 'getContentLease'>;
  /** Re-lists and reloads the index (after another writer flushed). */
  refreshIndex(): Promise<void>;
  listSnapshots(filter?: SnapshotFilter): Promise<SnapshotManifest[]>;
  getSnapshot(id: string): Promise<SnapshotManifest>;
}

export interface OpenRepositoryOptions {
  signal?: AbortSignal;
  /** Blobs fetched at once while loading the index and manifests (default 8). */
  concurrency?: number;
  /** Bytes of metadata contents (directories, index objects, manifests) kept in memory (default 32 MiB). */
  cacheBytes?: number;
}

class OpenRepository implements KopiaRepository {
  readonly blobs: BlobStorage;
  readonly format: RepositoryFormat;
  readonly hash: HashFunc;
  readonly encryptor: ContentEncryptor;
  private index: MergedIndex | undefined;
  private manifests: Promise<Map<string, ManifestEntry>> | undefined;
  private readonly reader: ContentReader;
  private readonly options: OpenRepositoryOptions;

  constructor(
    blobs: BlobStorage,
    format: RepositoryFormat,
    hash: HashFunc,
    encryptor: ContentEncryptor,
    options: OpenRepositoryOptions,
  ) {
    this.blobs = blobs;
    this.format = format;
    this.hash = hash;
    this.encryptor = encryptor;
    this.options = options;
    this.reader = new ContentReader({
      blobs,
      hash,
      encryptor,
      lookup: (id) => this.index?.lookup(id),
      ...(options.cacheBytes === undefined ? {} : { cacheBytes: options.cacheBytes }),
    });
  }

  contentInfo(contentId: string): IndexEntry | undefined {
    const e = this.index?.lookup(contentId);
    return e === undefined || e.deleted ? undefined : e;
  }

  getContent(contentId: string, opener?: ContentOpener): Promise<Buffer> {
    return this.reader.getContent(contentId, opener);
  }

  getContentLease(contentId: string, opener?: ContentOpener): Promise<ContentLease> {
    return this.reader.getContentLease(contentId, opener);
  }

  plannedReads(contentIds: Iterable<string>): Pick<KopiaRepository, 'getContent' | 'getContentLease'> {
    const plan = this.reader.plan(contentIds);
    return {
      getContent: (id, opener) => this.reader.getContent(id, opener, plan),
      getContentLease: (id, opener) => this.reader.getContentLease(id, opener, plan),
    };
  }

  async refreshIndex(): Promise<void> {
    const loaded = await loadIndex({
      blobs: this.blobs,
      hash: this.hash,
      encryptor: this.encryptor,
      epochs: this.format.config.epochParameters.Enabled,
      ...(this.options.concurrency === undefined ? {} : { concurrency: this.options.concurrency }),
      ...(this.options.signal === undefined ? {} : { signal: this.options.signal }),
    });
    this.index = loaded.merged;
    this.manifests = undefined;
    this.reader.clear();
  }

  private loadManifests(): Promise<Map<string, ManifestEntry>> {
    if (this.manifests === undefined) {
      const index = this.index;
      const loading = loadManifests(
        index?.entries() ?? [],
        (id) => this.getContent(id),
        this.options.concurrency,
      );
      this.manifests = loading;
      loading.catch(() => {
        if (this.manifests === loading) this.manifests = undefined;
      });
    }
    return this.manifests;
  }

  async listSnapshots(filter?: SnapshotFilter): Promise<SnapshotManifest[]> {
    return snapshotsOf(await this.loadManifests(), filter);
  }

  async getSnapshot(id: string): Promise<SnapshotManifest> {
    return snapshotById(await this.loadManifests(), id, this.blobs.description);
  }
}

/**
 * Opens the kopia repository in these blobs with its password: UNAUTHENTICATED for a wrong
 * password, UNSUPPORTED for an algorithm or required feature lifeboat lacks, CORRUPT for a damaged
 * format or index.
 */
export async function openRepository(
  blobs: BlobStorage,
  password: string,
  options: OpenRepositoryOptions = {},
): Promise<KopiaRepository> {
  const format = await openRepositoryFormat(blobs, password);
  options.signal?.throwIfAborted();
  const hash = await createHasher(format.config.hash, format.config.secret);
  const encryptor = createEncryptor(format.config.encryption, format.config.masterKey);
  const repo = new OpenRepository(blobs, format, hash, encryptor, options);
  await repo.refreshIndex();
  return repo;
}
