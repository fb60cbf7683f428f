// Use case: the kopia repositories of a location (Velero's volume data under kopia/<namespace>/) — list, snapshot a directory, restore, verify.
// It must never print; it opens the location's repositories with their password and returns what happened.
export {
  PASSWORD_ENV_KEY,
  PASSWORD_FILE_KEY,
  passwordSource,
  repositoryPassword,
  VELERO_DEFAULT_PASSWORD,
} from './password.ts';
export { type SnapshotIdentity, snapshotIdentity } from './source.ts';
export { checkNamespace, openRepoLocation, repoLocation, type RepoLocation } from './repo-location.ts';
export {
  listRepoSnapshots,
  type RepoProgress,
  type RepoRestoreRequest,
  type RepoTarget,
  restoreRepoSnapshot,
  type SnapshotRow,
  snapshotRow,
  sourceText,
} from './repo.ts';
export { type RepoSnapshotRequest, snapshotDirectory } from './snapshot.ts';
export {
  type RepoVerifyRequest,
  type SnapshotVerification,
  verifyRepoSnapshots,
  type VerifyProblem,
} from './verify.ts';
