/** What discovery reports: the served resource types (discovery.ts finds them, by either path). */

/** One served resource type, at its group's preferred version. */
export interface ApiResource {
  group: string;
  /** The preferred version of the group (what backups store). */
  version: string;
  /** Every version of the group that serves this resource, preferred first. */
  versions: string[];
  /** Plural name, e.g. "deployments". */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  /** "deployments.apps", or "pods" for the core group: Velero's GroupResource string. */
  groupResource: string;
  /** "apps/v1" or "v1". */
  apiVersion: string;
}

/** A group version whose discovery failed (or is stale): reported, not fatal. */
export interface FailedGroupVersion {
  groupVersion: string;
  error: string;
}

export interface DiscoveredResources {
  resources: ApiResource[];
  failedGroups: FailedGroupVersion[];
}
