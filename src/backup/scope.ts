import { LifeboatError } from '../errors/index.ts';
import { resolveResourceName, type ApiResource } from '../kube/index.ts';
import { IncludesExcludes } from '../selection/index.ts';

/** What the operator asked to back up (Velero's "old" filters, as `velero backup create` sets them). */
export interface BackupScopeRequest {
  includedNamespaces: string[];
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  /** true, false, or undefined = auto (cluster-scoped types only when every namespace is included). */
  includeClusterResources: boolean | undefined;
}

const REQUIRED_VERBS = ['list', 'create', 'get', 'delete'];
/** Resources served by two groups: Velero backs each up from the first group it sees only. */
const COHABITATING = new Set(['deployments', 'daemonsets', 'replicasets', 'networkpolicies', 'events']);
const CORE_FIRST = ['pods', 'persistentvolumeclaims', 'persistentvolumes'];

export class BackupScope {
  readonly namespaces: IncludesExcludes;
  readonly resources: IncludesExcludes;
  readonly includeClusterResources: boolean | undefined;
  readonly #excludesOnly: IncludesExcludes;

  constructor(request: BackupScopeRequest, served: readonly ApiResource[]) {
    this.namespaces = new IncludesExcludes(request.includedNamespaces, request.excludedNamespaces);
    this.resources = new IncludesExcludes(
      resolveAll(request.includedResources, served, 'include'),
      resolveAll(request.excludedResources, served, 'exclude'),
    );
    this.includeClusterResources = request.includeClusterResources;
    this.#excludesOnly = new IncludesExcludes([], this.resources.excludes);
  }

  /** Whether items of this type are listed (spec §4.3, old filters). */
  collects(resource: ApiResource): boolean {
    if (!this.resources.shouldInclude(resource.groupResource)) return false;
    if (resource.namespaced || resource.groupResource === 'namespaces') return true;
    if (this.includeClusterResources === false) return false;
    if (this.includeClusterResources === true) return true;
    return this.namespaces.includesEverything();
  }

  /**
   * Whether an item pulled in by an action is kept (Velero's itemInclusionChecks): a namespaced one
   * must pass the namespace and resource filters; a cluster-scoped one is kept unless cluster
   * resources are off or its type is explicitly excluded.
   */
  keepsAdditional(groupResource: string, namespace: string | undefined): boolean {
    if (namespace !== undefined && namespace !== '') {
      return this.namespaces.shouldInclude(namespace) && this.resources.shouldInclude(groupResource);
    }
    return this.includeClusterResources !== false && this.#excludesOnly.shouldInclude(groupResource);
  }
}

/**
 * Served resources in Velero's backup order: listable types only, the core group first with pods,
 * PVCs and PVs ahead of the rest, the `extensions` group last, one group per cohabitating type.
 */
export function orderResources(served: readonly ApiResource[]): ApiResource[] {
  const listable = served.filter((r) => REQUIRED_VERBS.every((v) => r.verbs.includes(v)));
  const core = listable.filter((r) => r.group === '');
  const coreOrdered = [
    ...CORE_FIRST.flatMap((name) => core.filter((r) => r.resource === name)),
    ...core.filter((r) => !CORE_FIRST.includes(r.resource)),
  ];
  const others = listable.filter((r) => r.group !== '' && r.group !== 'extensions');
  const extensions = listable.filter((r) => r.group === 'extensions');
  const seen = new Set<string>();
  const out: ApiResource[] = [];
  for (const r of [...coreOrdered, ...others, ...extensions]) {
    if (COHABITATING.has(r.resource)) {
      if (seen.has(r.resource)) continue;
      seen.add(r.resource);
    }
    out.push(r);
  }
  return out;
}

function resolveAll(names: readonly string[], served: readonly ApiResource[], what: string): string[] {
  const out: string[] = [];
  for (const name of names) {
    if (name === '*' || /[*?[{]/.test(name)) {
      out.push(name);
      continue;
    }
    const matches = resolveResourceName(served, name);
    if (matches.length === 0) {
      throw new LifeboatError(
        'USAGE',
        `--${what}-resources: the cluster serves no resource named '${name}'`,
        {
          hint: "use the plural name, optionally with its group (e.g. 'deployments.apps', 'storageclasses.storage.k8s.io'); kubectl api-resources lists them",
        },
      );
    }
    out.push(...matches.map((m) => m.groupResource));
  }
  return out;
}
