// Pod volumes: which volumes of a pod file-system backup takes and why others are skipped, and where a volume's data is under the kubelet's pods directory (Velero's rules).
// It must never call a cluster or a repository; it reads pods and PVs it is given, and the node's directory tree.
export { findVolumeHostPath } from './host-path.ts';
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
