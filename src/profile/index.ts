// Cluster profile: capturing what a Velero backup omits (management-cluster and AKS-HCI configuration, node pools, network, storage), checking a standby against it, and the recovery runbook.
// It must never write to a store; app/profile decides where a profile goes.
export { attachmentWarning, importAttachment, isAttachmentKind, neededTruncation } from './aks-hci.ts';
export { captureProfile } from './capture.ts';
export {
  addItem,
  type BackupContents,
  CONTENT_RESOURCES,
  emptyContents,
  namespacesOf,
  pvcClass,
  storageClassUsage,
} from './contents.ts';
export { deriveProfile } from './derive.ts';
export { checkStandby, type Collision } from './drift-backup.ts';
export { diffProfiles } from './drift.ts';
export { type Finding } from './findings.ts';
export { groupResourceOf, type Obj, type ProfileSource, type ReadTarget } from './kube-read.ts';
export { Reads, READS_DURING_BACKUP } from './reads.ts';
export { redactTree } from './redaction.ts';
export { renderMarkdown, renderText } from './runbook-doc.ts';
export { buildRunbook, defaultPlatform, RUNBOOK_PLATFORMS, type RunbookPlatform } from './runbook.ts';
export {
  type Attachment,
  AttachmentKinds,
  type ClusterProfile,
  clusterProfileSchema,
  PROFILE_API_VERSION,
} from './schema.ts';
export { loadBalancerService, type LoadBalancerService } from './storage.ts';
export { renderFindings, summarizeProfile } from './summary.ts';
