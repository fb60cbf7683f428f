// Use case: what a stored backup holds, for browsing — its namespaces, resources and item names, and one item with Secret values masked.
// It must never return a Secret's data, stringData or last-applied configuration unmasked, nor write anything.
export { type BackupTree, backupTree, readBackupItem, type ItemRef, type MaskedItem } from './contents.ts';
export { maskItem, MASK } from './mask.ts';
