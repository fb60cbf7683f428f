/**
 * The filters a backup or restore request carries (Velero's BackupSpec / RestoreSpec fields): the
 * include/exclude lists of namespaces and resources, a label selector, and whether cluster-scoped
 * resources are taken (undefined = Velero's auto rule).
 */
export interface ResourceFilters {
  includedNamespaces: string[];
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  labelSelector?: string | undefined;
  includeClusterResources?: boolean | undefined;
}

/** The filters of a template or request body whose lists may be absent: an absent list is empty. */
export function resourceFilters(given: Partial<ResourceFilters>): ResourceFilters {
  return {
    includedNamespaces: given.includedNamespaces ?? [],
    excludedNamespaces: given.excludedNamespaces ?? [],
    includedResources: given.includedResources ?? [],
    excludedResources: given.excludedResources ?? [],
    labelSelector: given.labelSelector,
    includeClusterResources: given.includeClusterResources,
  };
}
