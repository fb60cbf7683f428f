// Use case: restore a backup — resolve it in a store, download and extract it, then inventory → target → plan → apply → record (restore.ts), verify; and read restores back.
// The only place a restore's steps are sequenced and bound to a store; the steps themselves are restore/'s. It must never parse flags or print.
export {
  deleteRestore,
  describeRestore,
  findRestore,
  listRestores,
  type RestoreDescription,
  restoreLogs,
  type RestoreSummary,
} from './restores.ts';
export {
  checkRestoreFilters,
  DEFAULT_PARALLELISM,
  type RestoreRequest,
  type RestoreRunEvent,
  type RestoreRunResult,
  runRestore,
} from './restore.ts';
export { type PrintedFinding, type PrintedPlan } from './printed-plan.ts';
export { type RestoreVerifyReport, verifyRestore } from './verify-restore.ts';
