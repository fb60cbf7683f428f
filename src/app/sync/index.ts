// Use case: the backup index — what each configured location holds, synced from the stores — and recovery of
// backups a crash left half-written. It must never list a backup that is not complete.
export { type OrphanReport, recoverOrphans } from './sync-recovery.ts';
export {
  backupClusterUid,
  BackupIndex,
  type BackupRecord,
  configuredLocations,
  ofCluster,
  toBackupRecord,
} from './sync.ts';
