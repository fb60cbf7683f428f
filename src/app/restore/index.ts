// Use case: restore a backup — resolve it, read its archive, inspect the target, plan, apply, verify, record; and read restores back.
// The only place a restore's steps are sequenced; it must never parse flags or print.
export {
  deleteRestore,
  describeRestore,
  listRestores,
  type RestoreDescription,
  restoreLogs,
  type RestoreSummary,
} from './restores.ts';
export {
  checkRestoreFilters,
  DEFAULT_PARALLELISM,
  type RestoreRunResult,
  runRestore,
} from './run-restore.ts';
export { type RestoreVerifyReport, verifyRestore } from './verify-restore.ts';
