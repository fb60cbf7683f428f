// The repository's write side: write sessions (contents into packs, index blobs), objects,
// snapshots of local directories, and new repositories.
export { ContentWriter, type ContentWriterOptions, type ContentWriterStats } from './content-writer.ts';
export { initializeRepository } from './initialize.ts';
export { ObjectWriter, type ObjectWriterOptions, writeObject } from './object-writer.ts';
export { pooledSealer } from './seal-pool.ts';
export { inlineSealer, type Sealed, type Sealer } from './sealer.ts';
export {
  createSnapshot,
  type CreatedSnapshot,
  type CreateSnapshotOptions,
  type SnapshotProgress,
  type SnapshotWriteStats,
} from './snapshot-writer.ts';
