import type { BackupProgress } from '../backup/backupper.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';
import type { Logger } from '../log/index.ts';
import type { BackupPhase } from '../model/velero.ts';
import type { BackupExtension } from './backup-record.ts';

/** What to back up and where: the flags of `backup create`, or a schedule's template. */
export interface BackupRequest {
  name: string;
  includedNamespaces: string[];
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  labelSelector?: string | undefined;
  includeClusterResources?: boolean | undefined;
  storageLocation?: string | undefined;
  /** Go duration, e.g. "720h". */
  ttl: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  kube: KubeTarget;
  configPath?: string | undefined;
}

export interface BackupRunEvent extends BackupProgress {
  phase: 'collecting' | 'uploading' | 'done';
  bytesUploaded: number;
}

export interface BackupRunResult {
  name: string;
  phase: BackupPhase;
  location: string;
  /** The source cluster's identity (kube-system UID) recorded in the backup; unknown for a run that stored nothing. */
  cluster?: string | undefined;
  itemsBackedUp: number;
  errors: number;
  warnings: number;
  failureReason?: string | undefined;
  counts: Record<string, number>;
  startTimestamp: string;
  completionTimestamp: string;
  expiration: string;
}

export interface BackupDeps {
  logger: Logger;
  onEvent?: (event: BackupRunEvent) => void;
  signal?: AbortSignal;
  extensions?: readonly BackupExtension[];
}
