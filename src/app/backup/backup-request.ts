import type { KubeTarget } from '../../kube/index.ts';
import type { BackupHooksSpec } from '../../model/index.ts';
import type { ResourceFilters } from '../../selection/index.ts';
import type { ClusterRef } from '../clusters/index.ts';

/** What to back up and where: the flags of `backup create`, or a schedule's template. */
export interface BackupRequest extends ResourceFilters {
  name: string;
  storageLocation?: string | undefined;
  /** Go duration, e.g. "720h". */
  ttl: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  kube: KubeTarget;
  /** A cluster of the fleet: the backup goes under its prefix, and must come from its identity. */
  cluster?: ClusterRef | undefined;
  /** The server replica running it (a fleet slot): recorded in the name's claim for crash recovery. */
  writer?: string | undefined;
  configPath?: string | undefined;
  /** Back up every pod volume by file-system backup unless opted out (Velero's spec field). */
  defaultVolumesToFsBackup?: boolean | undefined;
  /** lifeboat's namespace, where the node agents take pod volume work (default lifeboat). */
  podVolumeNamespace?: string | undefined;
  /** How long the pod volumes may take together (Go duration, default 4h). */
  podVolumeTimeout?: string | undefined;
  /**
   * Velero's spec.hooks: exec hooks on the pods the backup takes, chosen by namespace, resource and
   * labels; checked against BackupHooksSchema (config/) before it gets here.
   */
  hooks?: BackupHooksSpec | undefined;
}
