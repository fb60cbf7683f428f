// Use case: the cluster profile a backup carries — captured from the backup's own listing (the tap) or from a cluster, with the operator's --attach files read and redacted.
// It must never load the runbook, the standby check or the fleet: `backup create` reaches the profile through here alone.
export { parseAttachSpec, readAttachments, readScheduleAttachments } from './attachments.ts';
export { profileExtension } from './backup-extension.ts';
export { captureClusterProfile, sanitizeProfile } from './capture.ts';
export type { Attachment } from '../../profile/index.ts';
