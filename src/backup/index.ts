// Backup's domain: the scope of a backup, listing the cluster's items, the collector (the one way an item enters the archive) and the velero-backup.json record.
// It must never open a store or sequence the whole operation; app/backup does that.
export { type BackupProgress, collectBackupItems, type CollectOutcome } from './collector.ts';
export { type ItemWatch } from './item-watch.ts';
export { MainListing } from './main-listing.ts';
export { BackupScope } from './scope.ts';
export {
  buildVeleroBackupJson,
  type BackupSpecInput,
  type VeleroBackupInput,
  withVeleroAutoExclusions,
} from './velero-backup-json.ts';
