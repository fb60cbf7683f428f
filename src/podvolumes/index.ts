// Pod volumes: which volumes of a pod file-system backup takes and why others are skipped, where a volume's data is under the kubelet's pods directory, and a restore's markers and restore-wait (Velero's rules).
// It must never call a cluster or load the kopia engine (volumedata/); it reads pods and PVs it is given, and the node's directory tree.
export { containerStartedOnNode, findVolumeHostPath } from './host-path.ts';
export {
  parsePodForVolumes,
  type PodForVolumes,
  type PodVolumeSource,
  type VolumeFacts,
  volumeFacts,
} from './pod.ts';
export {
  selectPodVolumes,
  type SkippedVolume,
  type VolumeLookup,
  type VolumeSelection,
  type VolumeToBackUp,
} from './select.ts';
export {
  BACKUP_HOOK_KEY,
  describeHook,
  type ExecHook,
  type HookPhase,
  podBackupHooks,
  type PodHooks,
  specExecHook,
} from './backup-hooks.ts';
// Pod volume restores (Velero's PodVolumeRestoreAction, restore-wait and its done files).
export {
  checkRestoreUid,
  removeRestoreMarkers,
  restoredVolumeDirs,
  volumesAwaitingMarker,
  writeRestoreMarker,
} from './restore-marker.ts';
export {
  podVolumeClaims,
  podVolumeRestoreFor,
  type PodVolumeRestoreTarget,
  podVolumes,
  readPodVolumeBackups,
  type VolumeToRestore,
  volumesToRestore,
} from './restore-volumes.ts';
export {
  awaitedVolumes,
  DEFAULT_RESTORE_HELPER_IMAGE,
  RESTORE_HELPER_COMMAND,
  RESTORES_DIR,
  restoreWaitContainer,
  restoreWaitDone,
  type RestoreWaitOptions,
  restoreWaitEnded,
  restoreWaitRunning,
  restoreWaitUid,
  restoreWaitUser,
  withRestoreWait,
} from './restore-wait.ts';
