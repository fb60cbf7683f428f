// A kopia repository as a whole: open (format, keys, index), contents, objects, snapshots, restore, verify.
export {
  type CheckRestoredOptions,
  checkRestoredTree,
  type RestoredCheck,
  type RestoredMismatch,
} from './check-restored.ts';
export type { ContentOpener } from './content-opener.ts';
export { ContentReader, contentNotFound } from './content-reader.ts';
export type { CryptoPool, WorkerCount } from './crypto-pool.ts';
export { loadIndex, type LoadedIndex } from './index-loader.ts';
export { openRepository, type KopiaRepository, type OpenRepositoryOptions } from './repository.ts';
export { type SnapshotFilter } from './snapshots.ts';
export {
  type ContentSource,
  DEFAULT_READ_AHEAD,
  MAX_DIRECT_OBJECT_BYTES,
  type ObjectPiece,
  type ObjectReadOptions,
  objectPieces,
  openObject,
  readObject,
  readPiece,
} from './object-reader.ts';
export {
  readDirectoryEntries,
  repositoryTreeSource,
  restoreSnapshot,
  type SnapshotRestoreOptions,
  type SnapshotRestoreProgress,
  type SnapshotRestoreStats,
  treeEntryOf,
} from './restore.ts';
export {
  type VerifyError,
  type VerifyOptions,
  type VerifyProgress,
  type VerifyReport,
  verifySnapshot,
} from './verify.ts';
export * from './writer/index.ts';
