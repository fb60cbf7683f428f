// Capture: what a cluster is, read through the Kubernetes API (nodes and pools, network, storage, ingress, API surface) or derived from a backup's contents, with secrets redacted, and summarized for an operator.
// It must never judge a target (that is check/) nor write anything to a cluster or a store.
export { captureProfile } from './capture.ts';
export {
  addItem,
  type BackupContents,
  CONTENT_RESOURCES,
  emptyContents,
  namespacesOf,
  pvcClass,
  type Requirement,
  storageClassUsage,
  type Toleration,
  type Workload,
} from './contents.ts';
export { deriveProfile } from './derive.ts';
export { groupResourceOf, type Obj, type ProfileSource, type ReadTarget } from './kube-read.ts';
export { formatCapacity } from './nodes.ts';
export { Reads, READS_DURING_BACKUP } from './reads.ts';
export { redactTree } from './redaction.ts';
export { loadBalancerService, type LoadBalancerService } from './storage.ts';
export { summarizeProfile } from './summary.ts';
