// Item actions: the per-resource hooks that change an item on its way into a backup or a restore (Velero's BackupItemAction / RestoreItemAction), and their registry.
// It must never sequence an operation or write to a store; an action sees one item and returns it.
export { type BackupActionContext, type BackupItemAction, type ItemRef } from './backup-action.ts';
export { builtinBackupActions } from './builtin-backup-actions.ts';
export { restoreActionsFor } from './builtin-restore-actions.ts';
export { child, records, type RestoreActionContext, str } from './restore-action.ts';
