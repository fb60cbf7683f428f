import { LifeboatError } from '../../errors/index.ts';
import { type ApiResource, resolveResourceName } from '../../kube/index.ts';
import {
  checkPatternLists,
  IncludesExcludes,
  isGlob,
  matchesLabelSelector,
  NEVER_RESTORED,
  parseLabelSelector,
  type ResourceFilters,
} from '../../selection/index.ts';
import { mappingOf } from '../own.ts';
import type { RestorePlanRequest } from './plan-types.ts';

/** What a restore asks for, as the plan reads it (the fields of app/restore's spec record it uses). */
export interface PlanSpec extends ResourceFilters {
  namespaceMapping: Record<string, string>;
  existingResourcePolicy: 'none' | 'update';
  restoreStatus: string[];
}

/**
 * Resolves resource names as typed (plural, singular, kind, short name, with or without group)
 * through the target's discovery and the backup's resource directories; globs stay as they are.
 */
export function resolveResources(
  names: readonly string[],
  served: readonly ApiResource[],
  inBackup: readonly string[],
): string[] {
  const out: string[] = [];
  for (const name of names) {
    if (name === '*' || isGlob(name)) {
      out.push(name);
      continue;
    }
    const matches = new Set(resolveResourceName(served, name).map((r) => r.groupResource));
    for (const gr of inBackup) if (gr === name || gr.startsWith(`${name}.`)) matches.add(gr);
    out.push(...(matches.size > 0 ? matches : [name]));
  }
  return out;
}

/** The filters' syntax (globs, label selector), checked before anything is downloaded: USAGE errors. */
export function checkRestoreFilters(spec: RestoreFilters): void {
  checkPatternLists(
    spec.includedNamespaces ?? [],
    spec.excludedNamespaces ?? [],
    spec.includedResources ?? [],
    spec.excludedResources ?? [],
    spec.restoreStatus ?? [],
  );
  if (spec.labelSelector) parseLabelSelector(spec.labelSelector);
}

type FilterField =
  | 'includedNamespaces'
  | 'excludedNamespaces'
  | 'includedResources'
  | 'excludedResources'
  | 'restoreStatus'
  | 'labelSelector';
export type RestoreFilters = { [K in FilterField]?: PlanSpec[K] | undefined };

/** The plan's filters from the request (Velero's restore validation included). */
export function planRequest(
  spec: PlanSpec,
  served: readonly ApiResource[],
  inBackup: readonly string[],
): RestorePlanRequest {
  const included = resolveResources(spec.includedResources, served, inBackup);
  const never = included.filter((r) => NEVER_RESTORED.includes(r));
  if (never.length > 0) {
    throw new LifeboatError('USAGE', `${never.join(', ')} are non-restorable resources`, {
      hint: 'remove them from --include-resources',
    });
  }
  if (spec.excludedNamespaces.includes('*')) {
    throw new LifeboatError('USAGE', "wildcard '*' is not allowed in --exclude-namespaces");
  }
  const selector = spec.labelSelector ? parseLabelSelector(spec.labelSelector) : undefined;
  return {
    namespaces: new IncludesExcludes(spec.includedNamespaces, spec.excludedNamespaces),
    resources: new IncludesExcludes(included, resolveResources(spec.excludedResources, served, inBackup)),
    labelSelector: selector ? (labels) => matchesLabelSelector(selector, labels) : undefined,
    includeClusterResources: spec.includeClusterResources,
    namespaceMapping: mappingOf(spec.namespaceMapping),
    existingResourcePolicy: spec.existingResourcePolicy,
  };
}
