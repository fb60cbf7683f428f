// Volume data: kopia's repository format in TypeScript (kopia/: format blob, crypto, index, packs, objects, directories, manifests, splitter; read and write), as Velero writes it under kopia/<namespace>/ of a location.
// It must never know a cluster or a backup's resources; it sees blobs, snapshots and directory trees.
export { type BlobMetadata, type BlobStorage } from './kopia/blob/blob-storage.ts';
export { memoryBlobs } from './kopia/blob/memory-blobs.ts';
export { objectStoreBlobs } from './kopia/blob/object-store-blobs.ts';
export { shardedBlobs, type ShardedBlobsOptions } from './kopia/blob/sharded-blobs.ts';
export { type EpochParameters, type RepositoryConfig } from './kopia/format/repository-config.ts';
export {
  createRepositoryFormat,
  type CreateRepositoryOptions,
  openRepositoryFormat,
  type RepositoryFormat,
  VELERO_DEFAULTS,
} from './kopia/format/repository-format.ts';
export { readVeleroMarker, writeVeleroMarker } from './kopia/format/velero-marker.ts';
export {
  DEFAULT_HASH_ALGORITHM,
  HASH_ALGORITHMS,
  createHasher,
  type HashFunc,
} from './kopia/crypto/hashing.ts';
export {
  DEFAULT_ENCRYPTION_ALGORITHM,
  ENCRYPTION_ALGORITHMS,
  createEncryptor,
  type ContentEncryptor,
} from './kopia/crypto/encryption.ts';
export { COMPRESSOR_NAMES, compressorHeaderId, compressorName } from './kopia/crypto/compression.ts';
export * from './kopia/index/index.ts';
export { createSplitter, DEFAULT_SPLITTER, type Splitter, SPLITTER_NAMES } from './kopia/object/splitter.ts';
export {
  directObjectId,
  formatObjectId,
  indexObjectId,
  indirectObjectId,
  type ObjectId,
  parseContentId,
  parseObjectId,
} from './kopia/object/object-id.ts';
export {
  decodeIndirect,
  encodeIndirect,
  entriesForRange,
  type EntrySlice,
  type IndirectEntry,
  indirectEntries,
  indirectLength,
} from './kopia/object/indirect.ts';
export {
  type DirEntry,
  type DirSummary,
  type FailedEntry,
  goModeFromPosix,
  posixModeFromGo,
} from './kopia/object/dir-entry.ts';
export {
  decodeDirManifest,
  DIRECTORY_PREFIX,
  type DirManifest,
  DirManifestBuilder,
  encodeDirManifest,
  nameProblem,
} from './kopia/object/directory.ts';
export {
  decodeManifestContent,
  decodeManifestJson,
  encodeManifestContent,
  encodeManifestJson,
  findManifests,
  MANIFEST_PREFIX,
  type ManifestEntry,
  mergeManifestEntries,
  newManifestId,
} from './kopia/object/manifest.ts';
export {
  decodeSnapshotManifest,
  encodeSnapshotManifest,
  type SnapshotManifest,
  snapshotLabels,
  snapshotManifestEntry,
  type SnapshotSource,
  type SnapshotStats,
  veleroSnapshotFields,
  veleroSnapshotManifest,
  veleroSnapshotSource,
  type VeleroRequester,
} from './kopia/object/snapshot-manifest.ts';
export { restoreTree } from './kopia/tree/restore-tree.ts';
export type {
  RestoreOptions,
  RestoreProgress,
  RestoreStats,
  SkippedEntry,
} from './kopia/tree/restore-tree.ts';
export { kopiaModeFromPosix, posixModeFromKopia } from './kopia/tree/tree-entry.ts';
export type { TreeEntry, TreeEntryType, TreeSource } from './kopia/tree/tree-entry.ts';
export { localEntry, readLocalDirectory, walkTree } from './kopia/tree/walk-tree.ts';
export type { LocalDirectory, LocalEntry, WalkOptions } from './kopia/tree/walk-tree.ts';
export { readAheadWalk, type WalkReadAhead } from './kopia/tree/walk-read-ahead.ts';
export {
  type CheckRestoredOptions,
  checkRestoredTree,
  type RestoredCheck,
  type RestoredMismatch,
  ContentReader,
  contentNotFound,
  loadIndex,
  type LoadedIndex,
  openRepository,
  type KopiaRepository,
  type OpenRepositoryOptions,
  type SnapshotFilter,
  type ContentSource,
  type ObjectPiece,
  type ObjectReadOptions,
  objectPieces,
  openObject,
  readObject,
  readDirectoryEntries,
  repositoryTreeSource,
  restoreSnapshot,
  type SnapshotRestoreOptions,
  type SnapshotRestoreProgress,
  type SnapshotRestoreStats,
  type VerifyError,
  type VerifyOptions,
  type VerifyProgress,
  type VerifyReport,
  verifySnapshot,
  ContentWriter,
  createSnapshot,
  type CreatedSnapshot,
  type CreateSnapshotOptions,
  initializeRepository,
  ObjectWriter,
  type SnapshotProgress,
  type SnapshotWriteStats,
} from './kopia/repository/index.ts';
