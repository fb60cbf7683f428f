import type { Logger } from '../log/index.ts';
import { LifeboatError } from '../errors/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import type { ApiResource } from '../kube/discovery.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { LabelSelector, ResourceList } from '../model/velero.ts';
import { goMarshal } from '../model/go-json.ts';
import type { BackupActionContext, BackupItemAction, ItemRef } from '../actions/backup-action.ts';
import { formatLabelSelector, matchesLabelSelector } from './label-selector.ts';
import { getObject, listPages } from './lister.ts';
import { ResultsCollector } from './results.ts';
import { orderResources, type BackupScope } from './scope.ts';

/** Where items go: the archive writer (backpressure: addItem resolves when it can take more). */
export interface ItemSink {
  addItem(item: {
    groupResource: string;
    namespace?: string;
    name: string;
    version: string;
    preferredVersion: string;
    json: string;
  }): Promise<void>;
}

export interface BackupProgress {
  resource: string;
  itemsBackedUp: number;
  resourcesDone: number;
  resourcesTotal: number;
}

export interface CollectOptions {
  client: KubeClient;
  served: readonly ApiResource[];
  scope: BackupScope;
  labelSelector: LabelSelector | undefined;
  actions: readonly BackupItemAction[];
  sink: ItemSink;
  logger: Logger;
  pageSize?: number;
  onProgress?: (progress: BackupProgress) => void;
  signal?: AbortSignal;
}

export interface CollectOutcome {
  itemsBackedUp: number;
  resourceList: ResourceList;
  /** Items per group-resource, for describe. */
  counts: Record<string, number>;
  results: ResultsCollector;
  /** Set when the cluster was lost mid-way: what was collected until then is still described. */
  fatal?: LifeboatError;
}

const CRD = 'customresourcedefinitions.apiextensions.k8s.io';
/**
 * Types that item actions pull in often (every pod names a ServiceAccount; every ServiceAccount
 * brings its bindings and roles): looked up in one cached LIST each instead of one GET per item.
 */
const LOOKED_UP_BY_LIST = new Set([
  'serviceaccounts',
  'priorityclasses.scheduling.k8s.io',
  'roles.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'clusterroles.rbac.authorization.k8s.io',
  'clusterrolebindings.rbac.authorization.k8s.io',
]);
const EXCLUDE_LABEL = 'velero.io/exclude-from-backup';

/**
 * Collects every item in scope into the sink, with Velero's semantics (spec/velero-format.md §4):
 * resource order, paged lists, item actions and their additional items (written first), one copy
 * per item, namespaces that hold items or match, and the CRD of each custom resource type.
 * A type that cannot be listed is a per-item error; losing the API server is fatal (throws).
 */
export async function collectBackupItems(options: CollectOptions): Promise<CollectOutcome> {
  const run = new Collector(options);
  return run.run();
}

class Collector {
  readonly #o: CollectOptions;
  readonly #byGroupResource: Map<string, ApiResource>;
  readonly #seen = new Set<string>();
  readonly #listCache = new Map<string, Promise<readonly KubeObject[]>>();
  readonly #indexes = new Map<string, Promise<Map<string, KubeObject>>>();
  readonly #namespacesWithItems = new Set<string>();
  readonly #resourceList = new Map<string, string[]>();
  readonly #counts: Record<string, number> = {};
  readonly #results = new ResultsCollector();
  readonly #context: BackupActionContext;
  #items = 0;
  #resourcesDone = 0;
  #resourcesTotal = 0;
  #currentResource = '';

  constructor(options: CollectOptions) {
    this.#o = options;
    this.#byGroupResource = new Map(options.served.map((r) => [r.groupResource, r]));
    this.#context = { listAll: (gr) => this.#listAll(gr) };
  }

  async run(): Promise<CollectOutcome> {
    let fatal: LifeboatError | undefined;
    try {
      await this.#collectAll();
    } catch (err) {
      // An abort (interrupt, store failure) or a bug ends the run; losing the cluster is reported.
      if (this.#o.signal?.aborted || !(err instanceof LifeboatError)) throw err;
      fatal = err;
    }
    const resourceList: ResourceList = {};
    for (const key of [...this.#resourceList.keys()].sort())
      resourceList[key] = this.#resourceList.get(key)!.sort();
    return { itemsBackedUp: this.#items, resourceList, counts: this.#counts, results: this.#results, fatal };
  }

  async #collectAll(): Promise<void> {
    const { scope, logger } = this.#o;
    const namespaces = await this.#activeNamespaces();
    const includedNamespaces = namespaces.filter((ns) => scope.namespaces.shouldInclude(ns.metadata.name));
    const resources = orderResources(this.#o.served).filter(
      (r) => r.groupResource !== 'namespaces' && scope.collects(r),
    );
    this.#resourcesTotal = resources.length + 2; // + namespaces, + CRDs
    for (const resource of resources) {
      this.#currentResource = resource.groupResource;
      this.#progress();
      const before = this.#items;
      await this.#collectResource(
        resource,
        includedNamespaces.map((n) => n.metadata.name),
      );
      logger.info(
        { resource: resource.groupResource, items: this.#items - before },
        `backed up ${resource.groupResource}`,
      );
      this.#resourcesDone++;
    }
    this.#currentResource = 'namespaces';
    await this.#collectNamespaces(includedNamespaces);
    this.#resourcesDone++;
    this.#currentResource = CRD;
    await this.#collectCrds();
    this.#resourcesDone++;
    this.#currentResource = '';
    this.#progress();
  }

  #progress(): void {
    this.#o.onProgress?.({
      resource: this.#currentResource,
      itemsBackedUp: this.#items,
      resourcesDone: this.#resourcesDone,
      resourcesTotal: this.#resourcesTotal,
    });
  }

  async #activeNamespaces(): Promise<KubeObject[]> {
    const nsResource = this.#byGroupResource.get('namespaces');
    if (nsResource === undefined)
      throw new LifeboatError('OPERATION_FAILED', 'the cluster does not serve namespaces');
    const all: KubeObject[] = [];
    for await (const page of listPages(this.#o.client, nsResource, { pageSize: 500, signal: this.#o.signal }))
      all.push(...page);
    return all.filter((ns) => (ns['status'] as { phase?: string } | undefined)?.phase !== 'Terminating');
  }

  async #collectResource(resource: ApiResource, includedNamespaces: string[]): Promise<void> {
    const { scope } = this.#o;
    const selector =
      this.#o.labelSelector === undefined ? undefined : formatLabelSelector(this.#o.labelSelector);
    // One cluster-wide list when every namespace is in scope; else one list per included namespace.
    const targets =
      !resource.namespaced || scope.namespaces.includesEverything() ? [undefined] : includedNamespaces;
    for (const namespace of targets) {
      try {
        const pages = listPages(this.#o.client, resource, {
          namespace,
          labelSelector: selector,
          pageSize: this.#o.pageSize ?? 500,
          signal: this.#o.signal,
        });
        for await (const items of pages) {
          for (const item of items) {
            if (resource.namespaced && !scope.namespaces.shouldInclude(item.metadata.namespace ?? ''))
              continue;
            await this.#backupItem(resource, item);
          }
        }
      } catch (err) {
        this.#recordListFailure(resource, namespace, err);
      }
    }
  }

  #recordListFailure(resource: ApiResource, namespace: string | undefined, err: unknown): void {
    if (!(err instanceof KubeApiError)) throw err; // the API server itself is gone: the backup fails
    this.#results.error({
      namespace,
      resource: resource.groupResource,
      message: 'Error listing items',
      error: err.message,
    });
    this.#o.logger.error(
      { resource: resource.groupResource, namespace, err },
      `cannot list ${resource.groupResource}`,
    );
  }

  /** Backs up one item: actions first, their additional items before it, then the item itself. */
  async #backupItem(resource: ApiResource, item: KubeObject): Promise<void> {
    const ns = item.metadata.namespace ?? '';
    const key = `${resource.groupResource}|${ns}|${item.metadata.name}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    if (item.metadata.labels?.[EXCLUDE_LABEL] === 'true') return;
    if ((item.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined) return;

    let stored = item;
    for (const action of this.#o.actions) {
      if (!action.appliesTo.includes(resource.groupResource)) continue;
      try {
        const result = await action.execute(stored, this.#context);
        stored = result.item;
        for (const ref of result.additionalItems) await this.#backupAdditional(ref);
      } catch (err) {
        if (err instanceof LifeboatError && err.code === 'UNREACHABLE') throw err;
        this.#results.error({
          namespace: ns,
          cluster: ns === '',
          resource: resource.groupResource,
          name: item.metadata.name,
          message: `item action ${action.name} failed`,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    await this.#write(resource, stored);
  }

  async #backupAdditional(ref: ItemRef): Promise<void> {
    const resource = this.#byGroupResource.get(ref.groupResource);
    if (resource === undefined) return; // type not served in this cluster
    if (this.#seen.has(`${ref.groupResource}|${ref.namespace ?? ''}|${ref.name}`)) return;
    if (!this.#o.scope.keepsAdditional(ref.groupResource, ref.namespace)) return;
    const obj = await this.#lookup(resource, ref).catch((err: unknown) => {
      if (!(err instanceof KubeApiError)) throw err;
      this.#results.warning({
        namespace: ref.namespace,
        cluster: ref.namespace === undefined,
        resource: ref.groupResource,
        name: ref.name,
        message: 'cannot read additional item',
        error: err.message,
      });
      return undefined;
    });
    if (obj !== undefined) await this.#backupItem(resource, obj);
  }

  async #write(resource: ApiResource, item: KubeObject): Promise<void> {
    const ns = item.metadata.namespace;
    await this.#o.sink.addItem({
      groupResource: resource.groupResource,
      namespace: resource.namespaced ? ns : undefined,
      name: item.metadata.name,
      version: resource.version,
      preferredVersion: resource.version,
      json: goMarshal(item),
    });
    this.#items++;
    this.#counts[resource.groupResource] = (this.#counts[resource.groupResource] ?? 0) + 1;
    if (resource.namespaced && ns) this.#namespacesWithItems.add(ns);
    const listKey = `${resource.apiVersion}/${resource.kind}`;
    let entries = this.#resourceList.get(listKey);
    if (entries === undefined) this.#resourceList.set(listKey, (entries = []));
    entries.push(resource.namespaced && ns ? `${ns}/${item.metadata.name}` : item.metadata.name);
    if (this.#items % 250 === 0) this.#progress();
  }

  /** Namespace objects: those in scope that hold items, match the selector, or (no selector) all included. */
  async #collectNamespaces(included: KubeObject[]): Promise<void> {
    const nsResource = this.#byGroupResource.get('namespaces')!;
    if (!this.#o.scope.resources.shouldInclude('namespaces')) return; // a type like any other
    const selector = this.#o.labelSelector;
    for (const ns of included) {
      const name = ns.metadata.name;
      const keep =
        this.#namespacesWithItems.has(name) ||
        (selector === undefined ? true : matchesLabelSelector(selector, ns.metadata.labels));
      if (keep) await this.#backupItem(nsResource, ns);
    }
  }

  /**
   * The CRD of every custom resource type backed up, unless CRDs are named in the resource filter
   * (then they were listed like any type) or cluster-scoped items are off.
   */
  async #collectCrds(): Promise<void> {
    const crdResource = this.#byGroupResource.get(CRD);
    const resources = this.#o.scope.resources;
    if (
      crdResource === undefined ||
      resources.includes.includes(CRD) ||
      !this.#o.scope.keepsAdditional(CRD, undefined)
    )
      return;
    const crds = await this.#listAll(CRD);
    const byName = new Map(crds.map((c) => [c.metadata.name, c]));
    for (const gr of Object.keys(this.#counts)) {
      const crd = byName.get(gr);
      if (crd !== undefined) await this.#backupItem(crdResource, crd);
    }
  }

  /** One object an action asked for: from the type's cached list when it has one, else a GET. */
  async #lookup(resource: ApiResource, ref: ItemRef): Promise<KubeObject | undefined> {
    if (!LOOKED_UP_BY_LIST.has(resource.groupResource)) {
      return getObject(this.#o.client, resource, ref.namespace, ref.name);
    }
    let index = this.#indexes.get(resource.groupResource);
    if (index === undefined) {
      index = this.#listAll(resource.groupResource).then(
        (all) => new Map(all.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o])),
      );
      this.#indexes.set(resource.groupResource, index);
    }
    return (await index).get(`${ref.namespace ?? ''}/${ref.name}`);
  }

  #listAll(groupResource: string): Promise<readonly KubeObject[]> {
    let cached = this.#listCache.get(groupResource);
    if (cached === undefined) {
      cached = (async () => {
        const resource = this.#byGroupResource.get(groupResource);
        if (resource === undefined) return [];
        const all: KubeObject[] = [];
        for await (const page of listPages(this.#o.client, resource, {
          pageSize: 500,
          signal: this.#o.signal,
        }))
          all.push(...page);
        return all;
      })();
      this.#listCache.set(groupResource, cached);
    }
    return cached;
  }
}
