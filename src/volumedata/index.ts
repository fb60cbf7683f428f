// Volume data: kopia's repository format in TypeScript (kopia/: format blob, crypto, index, packs, objects, directories, manifests, splitter; read and write), as Velero writes it under kopia/<namespace>/ of a location.
// It must never know a cluster or a backup's resources; it sees blobs, snapshots and directory trees.
export {};
export * from './kopia/index/index.ts';
