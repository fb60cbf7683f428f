// Kept at this path while drift-backup.ts (the standby check) is still at the top of profile/; drift lives in check/.
export { diffProfiles } from './check/index.ts';
