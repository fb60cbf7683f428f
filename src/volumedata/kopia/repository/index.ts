// A kopia repository as a whole: open (format, keys, index), contents, objects, snapshots, restore, verify.
export { ContentReader, contentNotFound } from './content-reader.ts';
export { loadIndex, type LoadedIndex } from './index-loader.ts';
export { openRepository, type KopiaRepository, type OpenRepositoryOptions } from './repository.ts';
export { type SnapshotFilter } from './snapshots.ts';
