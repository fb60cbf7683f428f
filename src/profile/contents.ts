// Kept at this path while drift-backup.ts (the standby check) is still at the top of profile/; the contents model lives in capture/.
export type { BackupContents } from './capture/index.ts';
