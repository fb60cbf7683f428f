import { Option } from 'commander';
import {
  ARCHIVE_LIMIT_FLAGS,
  DEFAULT_ARCHIVE_LIMITS,
  type ArchiveLimits,
  type RaisableLimit,
} from '../app/deps/index.ts';
import { LifeboatError } from '../errors/index.ts';

/**
 * `--max-archive-bytes`, `--max-entry-bytes`, `--max-expansion-ratio`: the caps a backup tarball is
 * read under, for the operator whose genuine backup passes a default (the refusal names the flag).
 */

export interface ArchiveLimitFlags {
  maxArchiveBytes?: string;
  maxEntryBytes?: string;
  maxExpansionRatio?: string;
}

const UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['Ki', 1024],
  ['Mi', 1024 ** 2],
  ['Gi', 1024 ** 3],
  ['Ti', 1024 ** 4],
]);

/** Strings of V8 (an item is parsed as one) end at ~512 MiB: a larger entry could never be read. */
const MAX_ENTRY_CEILING = 512 * 1024 ** 2;

const DESCRIPTIONS: Record<RaisableLimit, string> = {
  maxTotalBytes: `refuse a backup tarball that expands to more than this (default ${DEFAULT_ARCHIVE_LIMITS.maxTotalBytes / 1024 ** 3}Gi)`,
  maxEntryBytes: `refuse a tarball entry larger than this (default ${DEFAULT_ARCHIVE_LIMITS.maxEntryBytes / 1024 ** 2}Mi)`,
  maxExpansionRatio: `refuse a tarball that expands more than n times its gzip size (default ${DEFAULT_ARCHIVE_LIMITS.maxExpansionRatio})`,
};

/** One of the three flags, for a command that reads backup tarballs. */
export function archiveLimitOption(limit: RaisableLimit): Option {
  const arg = limit === 'maxExpansionRatio' ? '<n>' : '<size>';
  return new Option(`${ARCHIVE_LIMIT_FLAGS[limit]} ${arg}`, DESCRIPTIONS[limit]);
}

/** The limits the flags set (absent flags keep the defaults); bad values are usage errors. */
export function archiveLimits(flags: ArchiveLimitFlags): ArchiveLimits {
  const limits: ArchiveLimits = {};
  if (flags.maxArchiveBytes !== undefined)
    limits.maxTotalBytes = size(
      flags.maxArchiveBytes,
      ARCHIVE_LIMIT_FLAGS.maxTotalBytes,
      Number.MAX_SAFE_INTEGER,
    );
  if (flags.maxEntryBytes !== undefined)
    limits.maxEntryBytes = size(flags.maxEntryBytes, ARCHIVE_LIMIT_FLAGS.maxEntryBytes, MAX_ENTRY_CEILING);
  if (flags.maxExpansionRatio !== undefined) limits.maxExpansionRatio = ratio(flags.maxExpansionRatio);
  return limits;
}

/** `1048576`, `64Mi`, `16Gi` (binary units, as Kubernetes quantities write them). */
function size(value: string, flag: string, ceiling: number): number {
  const match = /^(\d{1,16})(Ki|Mi|Gi|Ti)?$/.exec(value.trim());
  const n = match ? Number(match[1]) * (UNITS.get(match[2] ?? '') ?? NaN) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > ceiling) {
    throw new LifeboatError(
      'USAGE',
      `${flag} must be a size from 1 byte to ${ceiling === MAX_ENTRY_CEILING ? '512Mi' : '8Pi'} (got '${value}')`,
      { hint: `e.g. ${flag} 16Gi (units Ki, Mi, Gi, Ti; none for bytes)` },
    );
  }
  return n;
}

function ratio(value: string): number {
  const n = Number(value);
  if (!/^\d{1,7}$/.test(value.trim()) || n < 2) {
    throw new LifeboatError(
      'USAGE',
      `${ARCHIVE_LIMIT_FLAGS.maxExpansionRatio} must be a whole number from 2 to 9999999 (got '${value}')`,
      { hint: `e.g. ${ARCHIVE_LIMIT_FLAGS.maxExpansionRatio} 1000` },
    );
  }
  return n;
}
