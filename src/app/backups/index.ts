// Use case: backups in a location — list, describe, logs, download, delete.
// It must never delete a backup of another cluster, nor show one that is not complete.
export {
  backupLogs,
  type BackupQuery,
  type BackupSummary,
  deleteBackup,
  describeBackup,
  downloadBackup,
  listBackups,
} from './backups.ts';
export { type PodVolumeRow } from './pod-volume-rows.ts';
