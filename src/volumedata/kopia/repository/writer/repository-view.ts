import { LifeboatError } from '../../../../errors/index.ts';
import { nullObject } from '../../../../model/index.ts';
import { decryptBlob } from '../../crypto/blob-crypto.ts';
import { openContent } from '../../crypto/content.ts';
import { createEncryptor, type ContentEncryptor } from '../../crypto/encryption.ts';
import { createHasher, type HashFunc } from '../../crypto/hashing.ts';
import type { BlobStorage } from '../../blob/blob-storage.ts';
import { openRepositoryFormat, type RepositoryFormat } from '../../format/repository-format.ts';
import type { ListedBlob } from '../../index/complete-set.ts';
import { epochIndexPrefixes, selectEpochIndexBlobs } from '../../index/epoch.ts';
import type { IndexEntry, PackIndex } from '../../index/index-entry.ts';
import { MergedIndex } from '../../index/merge.ts';
import { openIndex } from '../../index/pack-index.ts';
import {
  decodeManifestContent,
  findManifests,
  MANIFEST_PREFIX,
  mergeManifestEntries,
} from '../../object/manifest.ts';
import {
  decodeSnapshotManifest,
  type SnapshotManifest,
  type SnapshotSource,
} from '../../object/snapshot-manifest.ts';

/**
 * What the writer needs of an open repository: its storage, format and crypto, the committed
 * index (for deduplication) and the contents and snapshots of earlier snapshots (for a parent).
 * The read side's KopiaRepository satisfies it.
 */
export interface WritableRepository {
  readonly blobs: BlobStorage;
  readonly format: RepositoryFormat;
  readonly hash: HashFunc;
  readonly encryptor: ContentEncryptor;
  /** The committed index entry of a content (deletion markers included), or undefined. */
  contentInfo(contentId: string): IndexEntry | undefined;
  /** A content's plaintext, decrypted and verified. */
  getContent(contentId: string): Promise<Buffer>;
  /** Reloads the committed index from storage. */
  refreshIndex(): Promise<void>;
  /** Snapshots of a source (every snapshot when none is given). */
  listSnapshots(source?: SnapshotSource): Promise<SnapshotManifest[]>;
}

/** A content read is capped: kopia never packs a content above this. */
const MAX_PACKED_LENGTH = 64 << 20;

async function listAll(blobs: BlobStorage, prefix: string): Promise<ListedBlob[]> {
  const out: ListedBlob[] = [];
  for await (const b of blobs.listBlobs(prefix)) out.push(b);
  return out;
}

/**
 * Opens a repository for writing: format, keys, the epoch index. A small reader of its own (the
 * read side's openRepository supersedes it); index v1 and legacy index blobs are not loaded.
 */
export async function openWritableRepository(
  blobs: BlobStorage,
  password: string,
): Promise<WritableRepository> {
  const format = await openRepositoryFormat(blobs, password);
  const hash = await createHasher(format.config.hash, format.config.secret);
  const encryptor = createEncryptor(format.config.encryption, format.config.masterKey);
  let index = new MergedIndex([]);

  const refreshIndex = async (): Promise<void> => {
    if (!format.config.epochParameters.Enabled) {
      throw new LifeboatError(
        'UNSUPPORTED',
        `the kopia repository in ${blobs.description} has no epoch index (an old kopia format)`,
        { hint: 'upgrade it with `kopia repository upgrade` first' },
      );
    }
    const listing = (await Promise.all(epochIndexPrefixes.map((p) => listAll(blobs, p)))).flat();
    const selection = selectEpochIndexBlobs(listing);
    const indexes: PackIndex[] = [];
    for (const b of selection.blobs) {
      const plain = decryptBlob(hash, encryptor, b.id, await blobs.getBlob(b.id));
      indexes.push(openIndex(plain, b.id, { v1PerContentOverhead: encryptor.overhead }));
    }
    index = new MergedIndex(indexes, selection.deletionWatermarkSeconds);
  };

  const contentInfo = (contentId: string) => index.lookup(contentId);

  const getContent = async (contentId: string): Promise<Buffer> => {
    const e = index.lookup(contentId);
    if (e === undefined || e.deleted) {
      throw new LifeboatError(
        'NOT_FOUND',
        `content ${contentId} is not in the index of ${blobs.description}`,
        {
          hint: 'the repository is missing a content a snapshot needs; run `kopia snapshot verify`',
        },
      );
    }
    if (e.packedLength > MAX_PACKED_LENGTH) {
      throw new LifeboatError('CORRUPT', `content ${contentId} has a packed length of ${e.packedLength}`, {
        hint: 'the index is damaged; run `kopia content verify`',
      });
    }
    const payload = await blobs.getBlob(e.packBlobId, { offset: e.packOffset, length: e.packedLength });
    return openContent(hash, encryptor, e, payload);
  };

  const listSnapshots = async (source?: SnapshotSource): Promise<SnapshotManifest[]> => {
    const contents = [];
    for (const e of index.entries()) {
      if (e.deleted || !e.contentId.startsWith(MANIFEST_PREFIX)) continue;
      contents.push(decodeManifestContent(await getContent(e.contentId), e.contentId));
    }
    const labels = nullObject<string>({ type: 'snapshot' });
    if (source !== undefined) {
      labels['hostname'] = source.host;
      labels['username'] = source.userName;
      labels['path'] = source.path;
    }
    return findManifests(mergeManifestEntries(contents).values(), labels).map(decodeSnapshotManifest);
  };

  await refreshIndex();
  return { blobs, format, hash, encryptor, contentInfo, getContent, refreshIndex, listSnapshots };
}
