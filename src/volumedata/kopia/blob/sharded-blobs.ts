import { LifeboatError } from '../../../errors/index.ts';
import { isAlreadyExists, type ObjectStore } from '../../../store/index.ts';
import { assertBlobId, isBlobId, readAll, type BlobMetadata, type BlobStorage } from './blob-storage.ts';
import {
  BLOB_FILE_SUFFIX,
  blobIdOfPath,
  encodeShardParameters,
  LEGACY_SHARDS,
  listingPaths,
  NEW_REPOSITORY_SHARDS,
  shardedPath,
  SHARDS_FILE,
  shardParametersSchema,
  type ShardParameters,
} from './shards.ts';

export interface ShardedBlobsOptions {
  /**
   * A new repository: without a `.shards` file the new layout ([1,3], 20) is used and `.shards` is
   * written, as `kopia repository create filesystem` does. Otherwise a missing file means kopia's
   * legacy [3,3] layout (read only, nothing written).
   */
  create?: boolean;
}

const MAX_SHARDS_FILE = 64 * 1024;

/**
 * Kopia's filesystem backend on a lifeboat store: blob `id` is the file
 * `<prefix><sharded path of id>.f` with the directory lengths of `<prefix>.shards`. A listing maps
 * paths back to IDs by dropping the slashes and the ".f" suffix, and ignores every other file
 * (`.shards`, kopia's `*.tmp.*` files).
 */
export function shardedBlobs(
  store: ObjectStore,
  prefix: string,
  options: ShardedBlobsOptions = {},
): BlobStorage {
  const description = `${store.description}/${prefix}`;
  let parameters: Promise<ShardParameters> | undefined;
  const params = () => {
    if (parameters === undefined) {
      const loading = loadShardParameters(store, prefix, description, options.create === true);
      loading.catch(() => (parameters = undefined)); // a failed read is tried again next time
      parameters = loading;
    }
    return parameters;
  };
  const key = async (id: string) => {
    assertBlobId(id, description);
    return prefix + shardedPath(await params(), id) + BLOB_FILE_SUFFIX;
  };
  return {
    description,
    async getBlob(id, range) {
      const k = await key(id);
      if (range !== undefined) return store.getRange(k, range.offset, range.length, range.into);
      return readAll(await store.get(k));
    },
    async putBlob(id, data, putOptions) {
      await store.put(await key(id), data, {
        size: data.length,
        ...(putOptions?.ifNotExists === true ? { ifNoneMatch: '*' } : {}),
      });
    },
    async *listBlobs(idPrefix): AsyncIterable<BlobMetadata> {
      assertBlobId(idPrefix, description, { prefix: true });
      for (const path of listingPaths(await params(), idPrefix)) {
        for await (const info of store.list(prefix + path)) {
          const id = blobIdOfPath(info.key.slice(prefix.length));
          if (id === undefined || !isBlobId(id) || !id.startsWith(idPrefix)) continue;
          yield { id, length: info.size, timestamp: info.lastModified ?? new Date(0) };
        }
      }
    },
    async deleteBlob(id) {
      await store.delete(await key(id));
    },
  };
}

async function loadShardParameters(
  store: ObjectStore,
  prefix: string,
  description: string,
  create: boolean,
): Promise<ShardParameters> {
  const file = prefix + SHARDS_FILE;
  const found = await readShardParameters(store, file, description);
  if (found !== undefined) return found;
  if (!create) return LEGACY_SHARDS;
  try {
    await store.put(file, encodeShardParameters(NEW_REPOSITORY_SHARDS), { ifNoneMatch: '*' });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return (await readShardParameters(store, file, description)) ?? NEW_REPOSITORY_SHARDS;
  }
  return NEW_REPOSITORY_SHARDS;
}

async function readShardParameters(
  store: ObjectStore,
  file: string,
  description: string,
): Promise<ShardParameters | undefined> {
  const info = await store.head(file);
  if (info === undefined) return undefined;
  const corrupt = (why: string, cause?: unknown) =>
    new LifeboatError('CORRUPT', `the sharding parameters ${SHARDS_FILE} in ${description} ${why}`, {
      cause,
      hint: `kopia writes ${SHARDS_FILE} as {"default":[1,3],"maxNonShardedLength":20}; restore it from a copy of the repository`,
    });
  if (info.size > MAX_SHARDS_FILE) throw corrupt(`is ${info.size} bytes long`);
  const data = await readAll(await store.get(file));
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw corrupt('are not JSON', err);
  }
  const parsed = shardParametersSchema.safeParse(json);
  if (!parsed.success) throw corrupt(`are malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
