// Use case: take a backup — resolve the request, collect the cluster's items, write the archive and its sidecar files, record the outcome.
// The only place a backup's steps are sequenced; it must never parse flags or print.
export {
  type BackupDeps,
  type BackupRequest,
  type BackupRunEvent,
  type BackupRunResult,
  runBackup,
} from './run-backup.ts';
export { readHooksFile } from '../../config/index.ts';
