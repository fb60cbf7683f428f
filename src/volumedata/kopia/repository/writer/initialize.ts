import type { BlobStorage } from '../../blob/blob-storage.ts';
import { createRepositoryFormat, type CreateRepositoryOptions } from '../../format/repository-format.ts';

/**
 * Creates a kopia repository with Velero's defaults (format v3, BLAKE2B-256-128,
 * AES256-GCM-HMAC-SHA256, DYNAMIC-4M-BUZHASH, 20 MiB packs, index v2 with epochs) and Velero's
 * udmrepo.Repository marker. A storage that already holds a repository is ALREADY_EXISTS.
 */
export async function initializeRepository(
  blobs: BlobStorage,
  password: string,
  options: CreateRepositoryOptions = {},
): Promise<void> {
  await createRepositoryFormat(blobs, password, options);
}
