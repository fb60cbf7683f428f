import { LifeboatError } from '../../../../errors/index.ts';
import type { BlobStorage } from '../../blob/blob-storage.ts';
import { createRepositoryFormat, type CreateRepositoryOptions } from '../../format/repository-format.ts';

/**
 * Creates a kopia repository with Velero's defaults (format v3, BLAKE2B-256-128,
 * AES256-GCM-HMAC-SHA256, DYNAMIC-4M-BUZHASH, 20 MiB packs, index v2 with epochs). Velero's
 * udmrepo.Repository marker is left for Velero: a repository without it is one Velero adopts on first
 * use, writing its maintenance parameters (owner default@default) and then the marker, so its
 * maintenance Jobs own the repository. A storage holding any blob is ALREADY_EXISTS.
 */
export async function initializeRepository(
  blobs: BlobStorage,
  password: string,
  options: CreateRepositoryOptions = {},
): Promise<void> {
  for await (const blob of blobs.listBlobs('')) {
    throw new LifeboatError(
      'ALREADY_EXISTS',
      `${blobs.description} is not empty (it holds ${blob.id}); a new kopia repository needs an empty prefix`,
      { hint: 'open the existing repository instead, or choose another namespace or location' },
    );
  }
  await createRepositoryFormat(blobs, password, options);
}
