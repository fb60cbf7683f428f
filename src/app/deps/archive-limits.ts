/** The caps backup tarballs are read under (archive/limits.ts), for the commands that let operators raise them. */
export {
  ARCHIVE_LIMIT_FLAGS,
  DEFAULT_ARCHIVE_LIMITS,
  type ArchiveLimits,
  type RaisableLimit,
} from '../../archive/index.ts';
