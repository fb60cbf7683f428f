// The read side of a repository's index: which index blobs to load (kopia's epoch manager, or the
// legacy index blob manager for repositories without epochs), fetched in parallel, decrypted,
// decoded and merged into one lookup.
import { mapBounded } from '../../../concurrency/index.ts';
import { LifeboatError } from '../../../errors/index.ts';
import type { BlobMetadata, BlobStorage } from '../blob/blob-storage.ts';
import { decryptBlob } from '../crypto/blob-crypto.ts';
import type { ContentEncryptor } from '../crypto/encryption.ts';
import type { HashFunc } from '../crypto/hashing.ts';
import type { ListedBlob } from '../index/complete-set.ts';
import { epochIndexPrefixes, selectEpochIndexBlobs } from '../index/epoch.ts';
import type { PackIndex } from '../index/index-entry.ts';
import {
  legacyCompactionLogPrefix,
  legacyIndexPrefix,
  parseCompactionLog,
  selectLegacyIndexBlobs,
} from '../index/legacy-index.ts';
import { MergedIndex } from '../index/merge.ts';
import { openIndex } from '../index/pack-index.ts';

/** What loading an index needs from an open repository. */
export interface IndexSource {
  blobs: BlobStorage;
  hash: HashFunc;
  encryptor: ContentEncryptor;
  /** The format's epoch manager is enabled (format v2+ repositories kopia created). */
  epochs: boolean;
  /** Index blobs fetched at once (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Index blobs larger than this are refused before download (kopia's are a few MiB). */
export const MAX_INDEX_BLOB_BYTES = 512 << 20;
/** Listings beyond this many index blobs are refused: a hostile listing must not exhaust memory. */
export const MAX_INDEX_BLOBS = 1_000_000;

export interface LoadedIndex {
  merged: MergedIndex;
  /** The index blobs the merged index was read from. */
  blobIds: string[];
  writeEpoch: number | undefined;
}

async function list(
  blobs: BlobStorage,
  prefixes: readonly string[],
  signal?: AbortSignal,
): Promise<BlobMetadata[]> {
  const out: BlobMetadata[] = [];
  for (const prefix of prefixes) {
    for await (const b of blobs.listBlobs(prefix)) {
      signal?.throwIfAborted();
      out.push(b);
      if (out.length > MAX_INDEX_BLOBS) {
        throw new LifeboatError(
          'CORRUPT',
          `${blobs.description} lists more than ${MAX_INDEX_BLOBS} index blobs`,
          {
            hint: 'compact the index with `kopia maintenance run --full`, then try again',
          },
        );
      }
    }
  }
  return out;
}

interface Selection {
  blobs: ListedBlob[];
  deletionWatermarkSeconds: number | undefined;
  writeEpoch: number | undefined;
}

async function select(src: IndexSource): Promise<Selection> {
  if (src.epochs) return selectEpochIndexBlobs(await list(src.blobs, epochIndexPrefixes, src.signal));
  const listed = await list(src.blobs, [legacyIndexPrefix, legacyCompactionLogPrefix], src.signal);
  const logs = await mapBounded(
    listed.filter((b) => b.id.startsWith(legacyCompactionLogPrefix)),
    src.concurrency ?? 8,
    async (b) => parseCompactionLog(await fetchDecrypted(src, b), b.id),
  );
  const blobs = selectLegacyIndexBlobs(
    listed.filter((b) => b.id.startsWith(legacyIndexPrefix)),
    logs,
  );
  return { blobs, deletionWatermarkSeconds: undefined, writeEpoch: undefined };
}

async function fetchDecrypted(src: IndexSource, blob: ListedBlob): Promise<Buffer> {
  src.signal?.throwIfAborted();
  if (blob.length > MAX_INDEX_BLOB_BYTES) {
    throw new LifeboatError(
      'CORRUPT',
      `index blob ${blob.id} in ${src.blobs.description} is ${blob.length} bytes, more than an index can be`,
      {
        hint: "the repository is damaged or not kopia's; run `kopia index inspect` on it",
        details: { blobId: blob.id },
      },
    );
  }
  const data = await src.blobs.getBlob(blob.id);
  return decryptBlob(src.hash, src.encryptor, blob.id, data);
}

function isNotFound(err: unknown): boolean {
  return err instanceof LifeboatError && err.code === 'NOT_FOUND';
}

/**
 * Lists, selects, fetches and decodes the index blobs a reader uses. A selected blob that vanishes
 * between listing and reading (a compaction ran meanwhile) makes the whole load start over once;
 * still missing the second time, it is CORRUPT naming the blob.
 */
export async function loadIndex(src: IndexSource): Promise<LoadedIndex> {
  for (let attempt = 0; ; attempt++) {
    const selection = await select(src);
    let indexes: PackIndex[];
    try {
      indexes = await mapBounded(selection.blobs, src.concurrency ?? 8, async (b) =>
        openIndex(await fetchDecrypted(src, b), b.id, { v1PerContentOverhead: src.encryptor.overhead }),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (attempt === 0) continue;
      const raw = (err as LifeboatError).details?.['blobId'];
      const blobId = typeof raw === 'string' ? raw : '?';
      throw new LifeboatError(
        'CORRUPT',
        `index blob ${blobId} of ${src.blobs.description} is listed but missing`,
        {
          cause: err,
          hint: 'another client may be compacting the index; try again, and if it persists run `kopia index recover`',
          details: { blobId },
        },
      );
    }
    return {
      merged: new MergedIndex(indexes, selection.deletionWatermarkSeconds),
      blobIds: selection.blobs.map((b) => b.id),
      writeEpoch: selection.writeEpoch,
    };
  }
}
