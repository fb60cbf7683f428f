// Volume data: kopia's repository format in TypeScript (kopia/: format blob, crypto, index, packs, objects, directories, manifests, splitter; read and write), as Velero writes it under kopia/<namespace>/ of a location.
// It must never know a cluster or a backup's resources; it sees blobs, snapshots and directory trees.
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
