// AKS-HCI: the platform configuration an operator attaches (Get-AksHci* output as JSON or PowerShell display text), imported with secrets redacted and truncation detected, and read back as a view of the management and workload clusters.
// It must never run PowerShell or reach Azure; it reads only what the operator attached.
export {
  type AksHciCluster,
  type AksHciNetwork,
  type AksHciNodePool,
  type AksHciView,
  aksHciView,
  attachmentWarning,
  importAttachment,
  isAttachmentKind,
  neededTruncation,
  type PsObject,
} from './attachments.ts';
export { inferVmSize } from './vm-sizes.ts';
export { AttachmentKinds } from '../schema.ts';
