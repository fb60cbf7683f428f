// Backup storage: the ObjectStore port and its providers (filesystem, S3, Azure Blob, memory), and BackupStore, the typed reader/writer of Velero's object-store layout (layout.ts builds every key).
// It must never know a cluster; keys are built only in layout.ts.
export { type BackupClaim, BackupStore, type BackupUpload } from './backup-store.ts';
export { gzipJsonLine } from './gzip-json.ts';
export { backupFileNames, StoreLayout } from './layout.ts';
export { isAlreadyExists, type ObjectStore } from './object-store.ts';
export { MemoryObjectStore } from './providers/memory/memory-store.ts';
export { openObjectStore } from './registry.ts';
