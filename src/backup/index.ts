// Backup's domain: the scope of a backup, listing the cluster's items, the collector (the one way an item enters the archive) and the record — velero-backup.json and the sidecars, built (pure).
// It must never open a store, write a file or sequence the whole operation; app/backup does that.
export { type BackupProgress, collectBackupItems, type CollectOutcome } from './collector.ts';
export { type ItemWatch } from './item-watch.ts';
export { MainListing } from './main-listing.ts';
export { BackupScope } from './scope.ts';
export {
  buildSidecars,
  collectedPhase,
  recordedSpec,
  type RecordedFilters,
  type Sidecars,
} from './record.ts';
export {
  buildVeleroBackupJson,
  type BackupSpecInput,
  type VeleroBackupInput,
  withVeleroAutoExclusions,
} from './velero-backup-json.ts';
