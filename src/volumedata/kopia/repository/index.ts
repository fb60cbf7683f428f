// A kopia repository's contents, objects and snapshots: the write side (writer/).
export * from './writer/index.ts';
