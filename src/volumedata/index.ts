// Volume data: kopia's repository format in TypeScript (kopia/: format blob, crypto, index, packs, objects, directories, manifests, splitter; read and write), as Velero writes it under kopia/<namespace>/ of a location.
// It must never know a cluster or a backup's resources; it sees blobs, snapshots and directory trees.
export { restoreTree } from './kopia/tree/restore-tree.ts';
export type {
  RestoreOptions,
  RestoreProgress,
  RestoreStats,
  SkippedEntry,
} from './kopia/tree/restore-tree.ts';
export { kopiaModeFromPosix, posixModeFromKopia } from './kopia/tree/tree-entry.ts';
export type { TreeEntry, TreeEntryType, TreeSource } from './kopia/tree/tree-entry.ts';
export { localEntry, openLocalFile, readLocalDirectory, walkTree } from './kopia/tree/walk-tree.ts';
export type { LocalDirectory, LocalEntry, WalkOptions } from './kopia/tree/walk-tree.ts';
