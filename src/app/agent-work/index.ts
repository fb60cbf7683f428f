// The node agent's work objects as both sides see them: PodVolumeBackup/Restore paths, claims and status patches, the agent's heartbeat Lease, a pod's claims and the data-check annotation.
// It must never load the kopia engine: a backup or restore that creates work objects reaches them here without the agent's workers.
export { agentAlive, agentLeaseName, type HeartbeatOptions, NodeHeartbeat } from './heartbeat.ts';
export { claimWork, failureMessage, listWork, patchWorkStatus, workPath } from './work-objects.ts';
export { type PodClaims, podClaims } from './pod-claims.ts';
export {
  type BeforeDataCheck,
  CHECK_DATA_ANNOTATION,
  dataCheckOf,
  MAX_LISTED_MISMATCHES,
  wantsDataCheck,
} from './data-check.ts';
