// Use case: verify a backup — read every file of it and check it against its checksums and the archive's limits.
// Read-only: it must never change a backup.
export { verifyBackup, type VerifyProgress, type VerifyReport } from './verify-backup.ts';
