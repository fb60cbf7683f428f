// The backup archive: reading and writing Velero's gzipped tar (resources/<group>/<namespaced|cluster>/…), its catalogue, paths and limits.
// It must never trust an entry: sizes, names, depth and expansion are checked here, and it never touches a cluster or a store.
export {
  ArchiveCatalog,
  type CatalogItem,
  MAX_ITEM_DEPTH,
  nestingExceeds,
  parseItem,
  unreadableItemPath,
} from './catalog.ts';
export {
  ARCHIVE_LIMIT_FLAGS,
  type ArchiveLimits,
  DEFAULT_ARCHIVE_LIMITS,
  type RaisableLimit,
} from './limits.ts';
export { parseArchivePath, resourceListKey } from './paths.ts';
export { corruptArchive, readBackupArchive, type SkippedEntries } from './reader.ts';
export { spoolBackupArchive } from './spool.ts';
export { BackupArchiveWriter, type ItemBytes } from './writer.ts';
