// Use case: the cluster profile — capture, show, diff, attach to backups, check a standby against it, and write the runbook.
// It must never restore anything; it reports what a standby lacks.
export {
  type Attachment,
  type ClusterProfile,
  renderFindings,
  summarizeProfile,
} from '../../profile/index.ts';
export {
  captureClusterProfile,
  parseAttachSpec,
  profileExtension,
  readAttachments,
  readScheduleAttachments,
} from '../profile-capture/index.ts';
export { backupProfile, diffSides } from './diff.ts';
export { makeRunbook, RUNBOOK_PLATFORMS, type RunbookPlatform } from './runbook.ts';
export { runStandbyCheck, type StandbyCheckResult } from './standby.ts';
export {
  checkClusterStandby,
  checkFleetStandbys,
  type ClusterStandbyCheck,
  type FleetStandbyCheck,
} from './fleet-standby.ts';
export { makeClusterRunbook, makeSiteRunbook } from './fleet-runbook.ts';
