import type { KubeTarget } from '../../kube/index.ts';
import type { ResourceFilters } from '../../selection/index.ts';

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
  cluster?: string | undefined;
  configPath?: string | undefined;
}
