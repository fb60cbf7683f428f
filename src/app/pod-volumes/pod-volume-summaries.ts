import type { KubeClient } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import type { DataCheck, PodVolumeBackup } from '../../model/index.ts';

/** What `restore describe` shows of one volume's data (lifeboat's restore record keeps it). */
export interface PodVolumeRestoreSummary {
  namespace: string;
  pod: string;
  volume: string;
  snapshotID: string;
  sourceNamespace: string;
  /** The claim the volume mounts, when it is one. */
  pvcName?: string | undefined;
  /** The PodVolumeRestore's name, once created. */
  name?: string | undefined;
  phase: string;
  message?: string | undefined;
  node?: string | undefined;
  totalBytes?: number | undefined;
  bytesDone?: number | undefined;
  /** The agent's re-read of the written volume against the snapshot, when the restore asked for it. */
  dataCheck?: DataCheck | undefined;
}

export interface PodVolumeRestoreOptions {
  client: KubeClient;
  backups: readonly PodVolumeBackup[];
  restoreName: string;
  restoreUid: string;
  /** lifeboat's namespace: where the node agents watch for PodVolumeRestores. */
  namespace: string;
  /** The location the backup is read from: its kopia/ holds the data. */
  location: string;
  /** The restore-wait image (default: lifeboat's). */
  helperImage?: string | undefined;
  /** Ask each volume's agent to re-hash what it wrote against the snapshot (agent/data-check.ts). */
  checkData?: boolean | undefined;
  logger: Logger;
}

export interface PodVolumeProgressEvent {
  volumes: number;
  completed: number;
  failed: number;
  totalBytes: number;
  bytesDone: number;
}
