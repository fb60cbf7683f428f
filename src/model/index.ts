// Model: the types and schemas everything shares (Kubernetes objects, Velero's Backup/Restore, locations, labels, null-prototype dictionaries).
// A leaf of types and pure helpers: it must never do I/O and imports nothing from src/.
export {
  type BackupHooksSpec,
  type BackupResourceHookSpec,
  type ExecHookSpec,
  HOOK_LIMITS,
  type HookErrorMode,
  type HookLabelSelector,
} from './backup-hooks.ts';
export { dictionarySchema } from './dictionary-schema.ts';
export { nullObject, own } from './dictionary.ts';
export { isKubeObject, type KubeObject, type KubeObjectMeta } from './kube-object.ts';
export { firstReservedLabel, getValidLabelValue, LifeboatLabels } from './labels.ts';
export { type Location, LocationSchema } from './location.ts';
export {
  BACKUP_FORMAT_VERSION,
  DEFAULT_BACKUP_TTL,
  DEFAULT_CSI_SNAPSHOT_TIMEOUT,
  DEFAULT_ITEM_OPERATION_TIMEOUT,
  DEFAULT_RESOURCE_TIMEOUT,
  DEFAULT_VOLUME_GROUP_SNAPSHOT_LABEL_KEY,
  VELERO_API_VERSION,
  VELERO_NAMESPACE,
  type BackupPhase,
  excludedByLabel,
  type LabelSelector,
  type ResourceList,
  type ResultMessages,
  type ResultsFile,
  VeleroAnnotations,
  type VeleroBackup,
  veleroBackupSchema,
  VeleroLabels,
} from './velero.ts';
export {
  DEFAULT_LIFEBOAT_NAMESPACE,
  isFinalPodVolumePhase,
  type ObjectReference,
  parsePodVolumeBackup,
  parsePodVolumeRestore,
  POD_VOLUME_API_VERSION,
  POD_VOLUME_BACKUP_KIND,
  POD_VOLUME_BACKUP_RESOURCE,
  POD_VOLUME_GROUP,
  POD_VOLUME_RESTORE_KIND,
  POD_VOLUME_RESTORE_RESOURCE,
  POD_VOLUME_VERSION,
  PodVolumeAnnotations,
  type PodVolumeBackup,
  type PodVolumeBackupSpec,
  type PodVolumeBackupStatus,
  PodVolumeLabels,
  type PodVolumeObjectMeta,
  type PodVolumePhase,
  PodVolumePhases,
  type PodVolumeProgress,
  type PodVolumeRestore,
  type PodVolumeRestoreSpec,
  type PodVolumeRestoreStatus,
  RESTORE_MARKER_DIR,
  RESTORE_WAIT_CONTAINER,
  DataCheckSchema,
  type DataCheck,
} from './pod-volume.ts';
