// kopia index blobs: the v1/v2 codec, the merge rule across blobs, which blobs a reader loads (epochs,
// complete sets, legacy compaction logs) and how a writer names new ones. Pure: bytes and listings in,
// entries and blob IDs out; index blobs arrive decrypted.
export * from './complete-set.ts';
export * from './content-id.ts';
export * from './epoch.ts';
export type * from './index-entry.ts';
export * from './index-v1.ts';
export * from './index-v2.ts';
export * from './index-v2-encode.ts';
export * from './legacy-index.ts';
export * from './merge.ts';
export * from './pack-index.ts';
export * from './session.ts';
