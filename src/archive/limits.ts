import { LifeboatError } from '../errors/index.ts';

/**
 * The caps a backup tarball is read under, and the errors that refuse an archive. Every refusal is a
 * LifeboatError with code CORRUPT naming the entry; a cap that a genuine but unusual backup could
 * reach says which flag raises it (`details.flag`).
 */

export interface ArchiveLimits {
  /** Largest single entry, in bytes (checked from its header, before it is read). */
  maxEntryBytes?: number;
  /** Most uncompressed bytes in the whole tar stream. */
  maxTotalBytes?: number;
  /** Most uncompressed bytes per compressed byte read so far, once past expansionGraceBytes. */
  maxExpansionRatio?: number;
  /** Uncompressed bytes read before the expansion ratio is checked. */
  expansionGraceBytes?: number;
  /** Most entries of any type. */
  maxEntries?: number;
  /** Longest entry name in UTF-8 bytes. */
  maxPathBytes?: number;
  /** Most segments in an entry name. */
  maxPathSegments?: number;
  /** Most characters in the names of all entries together (they are kept while reading). */
  maxNameBytes?: number;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

export const DEFAULT_ARCHIVE_LIMITS: Required<ArchiveLimits> = {
  // The API server refuses request bodies over 3 MiB and etcd stores objects up to 1.5 MiB by
  // default; the largest item JSON (a Secret's bytes as base64, a big CRD) is a few MiB. 32 MiB is
  // ten times the API server's default, and bounds what one entry can hold in memory.
  maxEntryBytes: 32 * MiB,
  // A 100k-object backup is ~80–150 MB of tar (each item is written twice, plus 1 KiB of headers
  // and padding per copy); 8 GiB holds ~5 million objects, more than etcd's default 2 GiB quota
  // stores. It is also the most disk the restore spool can take.
  maxTotalBytes: 8 * GiB,
  // Measured on archives written by BackupArchiveWriter: a mixed workload (ConfigMaps, Secrets,
  // Pods with managedFields) expands 13×, ConfigMaps or Pods alone 40–46×, minimal objects 83× (each
  // item and its `-preferredversion` twin share gzip's window); gzip's own maximum is ~1030×, which
  // a bomb of zeros reaches. 400× leaves room for the most repetitive real backups and stops a bomb
  // after expansionGraceBytes of output.
  maxExpansionRatio: 400,
  // One odd, highly compressible object (1 MB of one repeated line: 380–850×) stays under this, so
  // small backups are never refused for it; a bomb is stopped after at most this much output.
  expansionGraceBytes: 16 * MiB,
  // A million-object backup has ~2 million entries.
  maxEntries: 5_000_000,
  // The longest Velero path: resources/ + a CRD's plural.group (63 + 253) + a version directory
  // (`v1alpha1-preferredversion`) + namespaces/ + a namespace (63) + a name (253) + .json ≈ 700 bytes.
  maxPathBytes: 1024,
  // Velero's deepest path has 6 segments. Every prefix of a name is looked up as a directory: deep
  // names made that quadratic (5 KB of gzip kept the CPU busy for 10 s).
  maxPathSegments: 16,
  // Names are kept for the duplicate check and the catalog: ~100 bytes an entry in real backups
  // (200 MB for a million objects); this bounds the memory a hostile archive of long names can take.
  maxNameBytes: 512 * MiB,
};

/** The caps an operator may raise, and the flag of `restore create` / `backup verify` that does. */
export const ARCHIVE_LIMIT_FLAGS = {
  maxEntryBytes: '--max-entry-bytes',
  maxTotalBytes: '--max-archive-bytes',
  maxExpansionRatio: '--max-expansion-ratio',
} as const;
export type RaisableLimit = keyof typeof ARCHIVE_LIMIT_FLAGS;

const CORRUPT_HINT =
  'The archive is corrupt or not a Velero backup: check that the file is a complete <name>.tar.gz from a backup location.';

/** The archive is damaged or forged. */
export function corruptArchive(
  message: string,
  cause?: unknown,
  details?: Record<string, unknown>,
): LifeboatError {
  return new LifeboatError('CORRUPT', message, { hint: CORRUPT_HINT, cause, details });
}

/** The archive passes a cap: hostile, or a genuine backup larger than the defaults allow. */
export function archiveLimitExceeded(
  limit: RaisableLimit,
  entry: string,
  message: string,
  values: { actual: number; max: number },
): LifeboatError {
  const flag = ARCHIVE_LIMIT_FLAGS[limit];
  return new LifeboatError('CORRUPT', message, {
    hint: `The archive may be a decompression bomb. If it is a genuine backup, raise the limit with ${flag} (restore create, restore verify, backup verify).`,
    details: { check: 'limit', entry, limit, flag, actual: values.actual, max: values.max },
  });
}

/** Bytes for messages: `33554432 bytes (32 MiB)`. */
export function showBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = '';
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return unit === '' ? `${n} bytes` : `${n} bytes (${Number(value.toFixed(1))} ${unit})`;
}
