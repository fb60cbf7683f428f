import { LifeboatError } from '../../errors/index.ts';
import {
  type ApiResource,
  discoverResources,
  type KubeClient,
  resolveResourceName,
} from '../../kube/index.ts';
import {
  buildRestorePlan,
  mappingOf,
  type PrepareContext,
  type RestorePlan,
  type RestorePlanRequest,
  type VolumeEvidence,
} from '../../restore/index.ts';
import {
  checkPatternLists,
  IncludesExcludes,
  isGlob,
  matchesLabelSelector,
  NEVER_RESTORED,
  parseLabelSelector,
} from '../../selection/index.ts';
import type { RestoreSpecRecord } from './restores.ts';
import {
  inventory,
  pvsToProvision,
  serviceAccountNames,
  type ExtractedBackup,
} from './run-restore-archive.ts';
import { inspectTarget } from './run-restore-target.ts';

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
export type RestoreFilters = { [K in FilterField]?: RestoreSpecRecord[K] | undefined };

/** The plan's filters from the request (Velero's restore validation included). */
export function planRequest(
  spec: RestoreSpecRecord,
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

export function prepareContext(
  spec: RestoreSpecRecord,
  restoreName: string,
  served: readonly ApiResource[],
  inBackup: readonly string[],
  extras: {
    volumes: VolumeEvidence;
    pvsToProvision: ReadonlySet<string>;
    serviceAccounts: ReadonlyMap<string, ReadonlySet<string>>;
  },
): PrepareContext {
  const statusResources = new Set(resolveResources(spec.restoreStatus, served, inBackup));
  const statusFilter = new IncludesExcludes([...statusResources], []);
  const empty = new Set<string>();
  return {
    restoreName,
    backupName: spec.backupName,
    namespaceMapping: mappingOf(spec.namespaceMapping),
    storageClassMapping: mappingOf(spec.storageClassMapping),
    preserveNodePorts: spec.preserveNodePorts,
    serviceAccountsIn: (ns) => extras.serviceAccounts.get(ns) ?? empty,
    pvsToProvision: extras.pvsToProvision,
    volumes: extras.volumes,
    restoresStatus: (gr) => statusResources.size > 0 && statusFilter.shouldInclude(gr),
  };
}

/** Discovery, inventory of the archive, target inspection and the plan, for a restore spec. */
export async function planRestore(
  spec: RestoreSpecRecord,
  restoreName: string,
  client: KubeClient,
  extracted: ExtractedBackup,
): Promise<{ plan: RestorePlan; prepare: PrepareContext }> {
  const served = (await discoverResources(client)).resources;
  const inBackup = extracted.catalog.resources();
  const request = planRequest(spec, served, inBackup);
  const prepare = prepareContext(spec, restoreName, served, inBackup, {
    volumes: extracted.volumes,
    pvsToProvision: await pvsToProvision(extracted),
    serviceAccounts: serviceAccountNames(extracted.catalog),
  });
  const facts = await inventory(
    extracted,
    prepare,
    prepare.namespaceMapping,
    request.labelSelector !== undefined,
  );
  const target = await inspectTarget(client, served, facts, prepare.namespaceMapping);
  return { plan: buildRestorePlan({ facts, request, target }), prepare };
}
