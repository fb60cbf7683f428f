import * as z from 'zod';

/**
 * The filesystem backend's `.shards` file (kopia repo/blob/sharded): a blob ID longer than
 * maxNonShardedLength is cut into directories of the given lengths ("p0bee74e…" with [1,3] →
 * "p/0be/e74e…"); an override applies its own lengths to IDs with its prefix.
 */
export interface ShardParameters {
  default: number[];
  maxNonShardedLength: number;
  overrides?: { prefix: string; shards: number[] }[];
}

/** The name of the parameters file in the repository's root folder. */
export const SHARDS_FILE = '.shards';

/** The suffix of every blob's file ("kopia.repository.f"); other files are not blobs. */
export const BLOB_FILE_SUFFIX = '.f';

/** What kopia writes when it creates a filesystem repository. */
export const NEW_REPOSITORY_SHARDS: ShardParameters = { default: [1, 3], maxNonShardedLength: 20 };

/** What kopia assumes for a repository without `.shards` (made before the file existed). */
export const LEGACY_SHARDS: ShardParameters = { default: [3, 3], maxNonShardedLength: 20 };

const shardLengths = z.array(z.number().int().min(0).max(255)).max(16);

export const shardParametersSchema = z.object({
  default: shardLengths,
  maxNonShardedLength: z.number().int().min(0).max(1024),
  overrides: z
    .array(z.object({ prefix: z.string().max(255), shards: shardLengths }))
    .max(256)
    .nullish()
    .transform((o) => o ?? undefined),
});

/** The file's bytes as kopia writes them (Go's json.Encoder: compact, a newline at the end). */
export function encodeShardParameters(p: ShardParameters): Buffer {
  const out = {
    default: p.default,
    maxNonShardedLength: p.maxNonShardedLength,
    ...(p.overrides?.length ? { overrides: p.overrides } : {}),
  };
  return Buffer.from(`${JSON.stringify(out)}\n`);
}

function shardsFor(p: ShardParameters, id: string): number[] {
  return p.overrides?.find((o) => id.startsWith(o.prefix))?.shards ?? p.default;
}

/** The blob's path relative to the repository root, without the ".f" suffix. */
export function shardedPath(p: ShardParameters, id: string): string {
  if (id.length <= p.maxNonShardedLength) return id;
  let dirs = '';
  let rest = id;
  for (const size of shardsFor(p, id)) {
    if (rest.length <= size) break;
    if (size === 0) continue;
    dirs += `${rest.slice(0, size)}/`;
    rest = rest.slice(size);
  }
  return dirs + rest;
}

/** The path every blob's file with this ID prefix starts with, when sharded with these lengths. */
function prefixPath(shards: number[], prefix: string): string {
  let dirs = '';
  let rest = prefix;
  for (const size of shards) {
    if (size === 0) continue;
    if (rest.length <= size) break;
    dirs += `${rest.slice(0, size)}/`;
    rest = rest.slice(size);
  }
  return dirs + rest;
}

/**
 * The path prefixes to list so that every blob whose ID starts with prefix is found once: the
 * unsharded files at the root and the sharded ones, with none a prefix of another (so no file is
 * listed twice).
 */
export function listingPaths(p: ShardParameters, prefix: string): string[] {
  const candidates = new Set<string>([prefixPath(p.default, prefix)]);
  if (prefix.length <= p.maxNonShardedLength) candidates.add(prefix);
  for (const o of p.overrides ?? []) {
    if (o.prefix.startsWith(prefix) || prefix.startsWith(o.prefix))
      candidates.add(prefixPath(o.shards, prefix));
  }
  const all = [...candidates];
  return all.filter((c) => !all.some((other) => other !== c && c.startsWith(other)));
}

/** The blob ID of a file's path relative to the root ("p/0be/e74e….f" → "p0bee74e…"), or undefined. */
export function blobIdOfPath(path: string): string | undefined {
  if (!path.endsWith(BLOB_FILE_SUFFIX)) return undefined;
  return path.slice(0, -BLOB_FILE_SUFFIX.length).replaceAll('/', '');
}
