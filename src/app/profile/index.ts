// Use case: the cluster profile — capture, show, diff, attach to backups, check a standby against it, and write the runbook.
// It must never restore anything; it reports what a standby lacks.
export { backupProfile, diffSides } from './profile-diff.ts';
export {
  type Attachment,
  captureClusterProfile,
  type ClusterProfile,
  parseAttachSpec,
  profileExtension,
  readAttachments,
  renderFindings,
  summarizeProfile,
} from './profile.ts';
export { makeRunbook, RUNBOOK_PLATFORMS, type RunbookPlatform } from './runbook.ts';
export { runStandbyCheck } from './standby.ts';
