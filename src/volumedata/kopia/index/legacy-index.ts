import * as z from 'zod';
import { LifeboatError } from '../../../errors/index.ts';
import type { ListedBlob } from './complete-set.ts';
import { corruptIndex } from './index-errors.ts';

/**
 * kopia's legacy index blob manager (repo/content/indexblob/index_blob_manager_v0.go), used by
 * repositories without epochs: index blobs `n…`, compaction logs `m…` (encrypted JSON naming the
 * input and output blobs of a compaction) and cleanup entries `l…` (which only schedule deletions and
 * do not change what a reader loads). A reader loads every `n…` blob except the inputs of a compaction
 * whose outputs are all listed.
 */
export const legacyIndexPrefix = 'n';
export const legacyCompactionLogPrefix = 'm';
export const legacyCleanupPrefix = 'l';
/** The blob an upgrade to epochs writes so that legacy readers stop. */
export const legacyIndexPoisonBlobId =
  'n00000000000000000000000000000000-repository_unreadable_by_this_kopia_version_upgrade_required';

export interface CompactionLog {
  inputs: string[];
  outputs: string[];
}

const blobMetadataSchema = z.object({ id: z.string().max(1024) });
const compactionLogSchema = z.object({
  inputMetadata: z.array(blobMetadataSchema).max(1_000_000).nullish(),
  outputMetadata: z.array(blobMetadataSchema).max(1_000_000).nullish(),
});

/** Parses a compaction log's decrypted JSON; CORRUPT naming the blob when it is not one. */
export function parseCompactionLog(plain: Buffer, blobId: string): CompactionLog {
  let json: unknown;
  try {
    json = JSON.parse(plain.toString('utf8'));
  } catch {
    throw corruptIndex(blobId, 'the compaction log is not JSON');
  }
  const parsed = compactionLogSchema.safeParse(json);
  if (!parsed.success) throw corruptIndex(blobId, 'the compaction log does not have the expected shape');
  return {
    inputs: (parsed.data.inputMetadata ?? []).map((m) => m.id),
    outputs: (parsed.data.outputMetadata ?? []).map((m) => m.id),
  };
}

/** The legacy index blobs a reader loads, given the `n…` listing and the parsed compaction logs. */
export function selectLegacyIndexBlobs(
  indexBlobs: readonly ListedBlob[],
  logs: readonly CompactionLog[],
): ListedBlob[] {
  const byId = new Map<string, ListedBlob>();
  for (const b of indexBlobs) if (b.id.startsWith(legacyIndexPrefix) && !byId.has(b.id)) byId.set(b.id, b);
  if (byId.has(legacyIndexPoisonBlobId)) {
    throw new LifeboatError(
      'UNSUPPORTED',
      'the repository was upgraded to epoch-based indexes but its format blob still says legacy indexes',
      {
        hint: 'the repository is mid-upgrade or damaged; finish the upgrade with `kopia repository upgrade` and retry',
      },
    );
  }
  const superseded = new Set<string>();
  for (const log of logs) {
    if (log.outputs.every((o) => byId.has(o))) for (const i of log.inputs) superseded.add(i);
  }
  return [...byId.values()].filter((b) => !superseded.has(b.id));
}
