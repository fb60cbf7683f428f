// Cluster profile: capturing what a Velero backup omits (management-cluster and AKS-HCI configuration, node pools, network, storage), checking a standby against it, and the recovery runbook.
// Four parts: capture/ (reading a cluster or a backup), aks-hci/ (attached platform configuration), check/ (drift and the standby check, as Findings), runbook/.
// It must never write to a store; app/profile decides where a profile goes.
export { attachmentWarning, importAttachment, isAttachmentKind, neededTruncation } from './aks-hci/index.ts';
export {
  addItem,
  type BackupContents,
  captureProfile,
  CONTENT_RESOURCES,
  deriveProfile,
  emptyContents,
  groupResourceOf,
  loadBalancerService,
  type LoadBalancerService,
  namespacesOf,
  type Obj,
  type ProfileSource,
  pvcClass,
  type ReadTarget,
  Reads,
  READS_DURING_BACKUP,
  redactTree,
  storageClassUsage,
  summarizeProfile,
} from './capture/index.ts';
export { diffProfiles, renderFindings } from './check/index.ts';
export { checkStandby, type Collision, type Finding } from './check/index.ts';
export {
  buildRunbook,
  buildSiteRunbook,
  defaultPlatform,
  type RecoveryScope,
  recoveryLocationName,
  renderMarkdown,
  renderSiteMarkdown,
  renderSiteText,
  renderText,
  RUNBOOK_PLATFORMS,
  type RunbookPlatform,
  type SiteMember,
  type SiteRunbook,
} from './runbook/index.ts';
export {
  type Attachment,
  AttachmentKinds,
  type ClusterProfile,
  clusterProfileSchema,
  PROFILE_API_VERSION,
} from './schema.ts';
