// Kept at this path while drift-backup.ts (the standby check) is still at the top of profile/; scheduling lives in check/.
export { workloadFindings } from './check/index.ts';
