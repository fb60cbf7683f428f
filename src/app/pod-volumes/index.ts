// Use case: pod volume data on its way back — the restore-wait helper, and the PodVolumeRestores a restore creates and awaits.
// It must never print or parse flags; the node agent's side is app/agent's.
export { type RestoreHelperRequest, waitForRestoredVolumes } from './restore-helper.ts';
export { DEFAULT_POD_VOLUME_TIMEOUT_MS, PodVolumeRestores } from './pod-volume-restores.ts';
export type {
  PodVolumeProgressEvent,
  PodVolumeRestoreOptions,
  PodVolumeRestoreSummary,
} from './pod-volume-summaries.ts';
