import type { KubeTarget } from '../../kube/index.ts';

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
