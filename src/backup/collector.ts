import type { Logger } from '../log/index.ts';
import { LifeboatError } from '../errors/index.ts';
import {
  type ApiResource,
  getObject,
  KubeApiError,
  type KubeClient,
  ListBodyError,
  listPages,
  type OpenList,
  openRawList,
  type RawPage,
} from '../kube/index.ts';
import {
  excludedByLabel,
  type KubeObject,
  type LabelSelector,
  nullObject,
  type ResourceList,
} from '../model/index.ts';
import { goMarshal } from '../gojson/index.ts';
import type { BackupActionContext, BackupItemAction, ItemRef } from '../actions/index.ts';
import type { ItemBytes } from '../archive/index.ts';
import { formatLabelSelector, matchesLabelSelector } from '../selection/index.ts';
import { beingDeleted, PageCursor } from './page-cursor.ts';
import { itemMessage, ResultsCollector } from '../results/index.ts';
import type { ItemWatch, MainListing } from './main-listing.ts';
import type { BackupScope } from './scope.ts';

/**
 * Where items go: the archive writer. Backpressure: addItem gives undefined when it can take more at
 * once, else a promise that resolves when it can; it throws when the item cannot be written.
 */
export interface ItemSink {
  addItem(item: {
    groupResource: string;
    namespace?: string;
    name: string;
    version: string;
    preferredVersion: string;
    /** The item's bytes; read during the call only (the caller may reuse them afterwards). */
    json: string | Buffer | ItemBytes;
  }): Promise<void> | undefined;
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
  /** The types listed and what they cover (built from the same scope, served types and selector). */
  listing: MainListing;
  labelSelector: LabelSelector | undefined;
  actions: readonly BackupItemAction[];
  sink: ItemSink;
  logger: Logger;
  pageSize?: number;
  onProgress?: (progress: BackupProgress) => void;
  /** Items others want to see as they pass (listed ones, and the additional items of their types). */
  watches?: readonly ItemWatch[];
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
  /** Items handled so far, per group-resource, by resource-list entry ("ns/name" or "name"). */
  readonly #seen = new Map<string, Set<string>>();
  readonly #actionsFor = new Map<string, readonly BackupItemAction[]>();
  /** Resource-list entries per resource ("<apiVersion>/<Kind>" keys are joined at the end). */
  readonly #entries = new Map<ApiResource, string[]>();
  readonly #listCache = new Map<string, Promise<readonly KubeObject[]>>();
  readonly #indexes = new Map<string, Promise<Map<string, KubeObject>>>();
  readonly #namespacesWithItems = new Set<string>();
  readonly #counts = new Map<string, number>();
  readonly #watches = new Map<string, ItemWatch[]>();
  /** The bytes of each watch's `mentions` text. */
  readonly #mentions = new Map<ItemWatch, Buffer>();
  readonly #results = new ResultsCollector();
  /** Reads listed items in place, one at a time. */
  readonly #listedItems = new PageCursor();
  readonly #context: BackupActionContext;
  #items = 0;
  #resourcesDone = 0;
  #resourcesTotal = 0;
  #currentResource = '';

  constructor(options: CollectOptions) {
    this.#o = options;
    this.#byGroupResource = new Map(options.served.map((r) => [r.groupResource, r]));
    this.#context = { listAll: (gr) => this.#listAll(gr) };
    for (const watch of options.watches ?? []) {
      if (watch.mentions !== undefined) this.#mentions.set(watch, Buffer.from(watch.mentions));
      const list = this.#watches.get(watch.groupResource) ?? [];
      list.push(watch);
      this.#watches.set(watch.groupResource, list);
    }
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
    const byKey = new Map<string, string[]>();
    for (const [resource, entries] of this.#entries) {
      const key = `${resource.apiVersion}/${resource.kind}`;
      byKey.set(key, [...(byKey.get(key) ?? []), ...entries]);
    }
    const resourceList: ResourceList = nullObject();
    for (const key of [...byKey.keys()].sort()) resourceList[key] = byKey.get(key)!.sort();
    return {
      itemsBackedUp: this.#items,
      resourceList,
      counts: nullObject(this.#counts),
      results: this.#results,
      fatal,
    };
  }

  async #collectAll(): Promise<void> {
    const { scope, logger } = this.#o;
    const resources = this.#o.listing.resources;
    // Lists across every namespace do not depend on which namespaces exist: the first is asked for
    // while the namespaces are listed.
    const early =
      resources[0] && scope.namespaces.includesEverything() ? this.#openFirst(resources[0], []) : undefined;
    const namespaces = await this.#activeNamespaces();
    const includedNamespaces = namespaces.filter((ns) => scope.namespaces.shouldInclude(ns.metadata.name));
    this.#resourcesTotal = resources.length + 2; // + namespaces, + CRDs
    const namespaceNames = includedNamespaces.map((n) => n.metadata.name);
    // The first page of the next type is requested while this one is written.
    let next = early ?? (resources[0] && this.#openFirst(resources[0], namespaceNames));
    for (let i = 0; i < resources.length; i++) {
      const resource = resources[i]!;
      const opened = next;
      next = resources[i + 1] && this.#openFirst(resources[i + 1]!, namespaceNames);
      this.#currentResource = resource.groupResource;
      this.#progress();
      const before = this.#items;
      const complete = await this.#collectResource(resource, this.#targets(resource, namespaceNames), opened);
      for (const watch of this.#watches.get(resource.groupResource) ?? []) watch.done?.(complete);
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

  /** One cluster-wide list when every namespace is in scope; else one list per included namespace. */
  #targets(resource: ApiResource, includedNamespaces: string[]): (string | undefined)[] {
    return !resource.namespaced || this.#o.scope.namespaces.includesEverything()
      ? [undefined]
      : includedNamespaces;
  }

  #open(resource: ApiResource, namespace: string | undefined, eager: boolean): OpenList<RawPage> {
    const selector =
      this.#o.labelSelector === undefined ? undefined : formatLabelSelector(this.#o.labelSelector);
    return openRawList(
      this.#o.client,
      resource,
      { namespace, labelSelector: selector, pageSize: this.#o.pageSize ?? 500, signal: this.#o.signal },
      eager,
    );
  }

  /** The first list of a type, its first page requested now; undefined when it has none. */
  #openFirst(resource: ApiResource, includedNamespaces: string[]): OpenList<RawPage> | undefined {
    const targets = this.#targets(resource, includedNamespaces);
    return targets.length === 0 ? undefined : this.#open(resource, targets[0], true);
  }

  /** Lists and stores the items of a type; false when part of it could not be listed. */
  async #collectResource(
    resource: ApiResource,
    targets: (string | undefined)[],
    opened: OpenList<RawPage> | undefined,
  ): Promise<boolean> {
    const { scope } = this.#o;
    const listed = this.#listedItems;
    let complete = true;
    for (const [t, namespace] of targets.entries()) {
      try {
        const list = (t === 0 ? opened : undefined) ?? this.#open(resource, namespace, false);
        for await (const page of list.pages()) {
          listed.reset(resource, page);
          while (listed.next()) {
            if (resource.namespaced && !scope.namespaces.shouldInclude(listed.namespace ?? '')) continue;
            const pending = this.#backupListed(resource, listed);
            if (pending !== undefined) await pending;
          }
        }
      } catch (err) {
        this.#recordListFailure(resource, namespace, err);
        complete = false;
      }
    }
    return complete;
  }

  /**
   * A listed item: stored from the server's bytes, unless item actions need the object. Watchers see
   * it either way (parsed for them only when one matches it).
   */
  #backupListed(resource: ApiResource, listed: PageCursor): Promise<void> | undefined {
    const gr = resource.groupResource;
    const entry = listEntry(resource, listed.namespace, listed.name);
    if (!this.#firstSight(gr, entry)) return undefined;
    if (listed.excluded || listed.deleting) {
      this.#show(resource, listed, false);
      return undefined;
    }
    if (this.#actionsOf(gr).length > 0) return this.#store(resource, listed.object(), entry);
    // Most items: written and shown without a promise, unless the writer asks to wait.
    const pending = this.#write(resource, listed.namespace, listed.name, listed.bytes(), entry);
    this.#show(resource, listed, true);
    return pending;
  }

  /**
   * Shows an item — listed (parsed only for a watch that matches it), or an object already at hand —
   * to the watches of its type that match it; a listed item only to the watches whose `mentions` text
   * its bytes contain.
   */
  #show(resource: ApiResource, item: PageCursor | KubeObject, stored: boolean): void {
    const watches = this.#watches.get(resource.groupResource);
    if (watches === undefined) return;
    const listed = item instanceof PageCursor;
    const [namespace, name] = listed
      ? [item.namespace, item.name]
      : [item.metadata.namespace, item.metadata.name];
    for (const watch of watches) {
      if (!(watch.matches?.(namespace, name) ?? true)) continue;
      const mentions = this.#mentions.get(watch);
      if (mentions !== undefined && listed && !item.contains(mentions)) continue;
      watch.see(listed ? item.object() : item, stored);
    }
  }

  #recordListFailure(resource: ApiResource, namespace: string | undefined, err: unknown): void {
    // The API server itself is gone (or a bug): the backup fails. A type it cannot serve is an error.
    if (!(err instanceof KubeApiError) && !(err instanceof ListBodyError)) throw err;
    this.#results.error(
      itemMessage({
        namespace,
        resource: resource.groupResource,
        message: 'Error listing items',
        error: err.message,
      }),
    );
    this.#o.logger.error(
      { resource: resource.groupResource, namespace, err },
      `cannot list ${resource.groupResource}`,
    );
  }

  /** Backs up one item: actions first, their additional items before it, then the item itself. */
  async #backupItem(resource: ApiResource, item: KubeObject): Promise<void> {
    const entry = listEntry(resource, item.metadata.namespace ?? '', item.metadata.name);
    const excluded = excludedByLabel(item.metadata.labels);
    if (!this.#admit(resource.groupResource, entry, excluded, beingDeleted(item))) return;
    await this.#store(resource, item, entry);
  }

  /** Marks the item handled; true when it is to be stored (new, not excluded, not being deleted). */
  #admit(groupResource: string, entry: string, excluded: boolean, deleting: boolean): boolean {
    return this.#firstSight(groupResource, entry) && !excluded && !deleting;
  }

  /** Marks the item handled; false when it was handled before (a relisted page, an additional item). */
  #firstSight(groupResource: string, entry: string): boolean {
    const seen = this.#seenOf(groupResource);
    if (seen.has(entry)) return false;
    seen.add(entry);
    return true;
  }

  /** Runs the type's actions on the item (additional items are stored first), then stores it. */
  async #store(resource: ApiResource, item: KubeObject, entry: string): Promise<void> {
    const ns = item.metadata.namespace ?? '';
    let stored = item;
    for (const action of this.#actionsOf(resource.groupResource)) {
      try {
        const result = await action.execute(stored, this.#context);
        stored = result.item;
        for (const ref of result.additionalItems) await this.#backupAdditional(ref);
      } catch (err) {
        if (err instanceof LifeboatError && err.code === 'UNREACHABLE') throw err;
        this.#results.error(
          itemMessage({
            namespace: ns,
            cluster: ns === '',
            resource: resource.groupResource,
            name: item.metadata.name,
            message: `item action ${action.name} failed`,
            error: err instanceof Error ? err.message : String(err),
          }),
        );
      }
    }
    await this.#write(resource, stored.metadata.namespace, stored.metadata.name, goMarshal(stored), entry);
    this.#show(resource, stored, true);
  }

  #seenOf(groupResource: string): Set<string> {
    let seen = this.#seen.get(groupResource);
    if (seen === undefined) this.#seen.set(groupResource, (seen = new Set()));
    return seen;
  }

  /** The actions to run on items of a type: those that apply, unless they have nothing to add. */
  #actionsOf(groupResource: string): readonly BackupItemAction[] {
    let actions = this.#actionsFor.get(groupResource);
    if (actions === undefined) {
      actions = this.#o.actions.filter(
        (a) =>
          a.appliesTo.includes(groupResource) &&
          (a.changesItem || !a.pullsIn.every((gr) => this.#o.listing.covers(gr, undefined))),
      );
      this.#actionsFor.set(groupResource, actions);
    }
    return actions;
  }

  async #backupAdditional(ref: ItemRef): Promise<void> {
    const resource = this.#byGroupResource.get(ref.groupResource);
    if (resource === undefined) return; // type not served in this cluster
    const entry = listEntry(resource, ref.namespace, ref.name);
    if (this.#seenOf(ref.groupResource).has(entry)) return;
    if (!this.#o.scope.keepsAdditional(ref.groupResource, ref.namespace)) return;
    // The main listing stores (before or after now) every item it covers: fetching one adds nothing.
    if (this.#o.listing.covers(ref.groupResource, ref.namespace ?? '')) return;
    const obj = await this.#lookup(resource, ref).catch((err: unknown) => {
      if (!(err instanceof KubeApiError)) throw err;
      this.#results.warning(
        itemMessage({
          namespace: ref.namespace,
          cluster: ref.namespace === undefined,
          resource: ref.groupResource,
          name: ref.name,
          message: 'cannot read additional item',
          error: err.message,
        }),
      );
      return undefined;
    });
    if (obj !== undefined) await this.#backupItem(resource, obj);
  }

  /** Hands an item to the sink and records it; the sink's promise when it wants the caller to wait. */
  #write(
    resource: ApiResource,
    ns: string | undefined,
    name: string,
    json: string | Buffer | ItemBytes,
    entry: string,
  ): Promise<void> | undefined {
    const pending = this.#o.sink.addItem({
      groupResource: resource.groupResource,
      namespace: resource.namespaced ? ns : undefined,
      name,
      version: resource.version,
      preferredVersion: resource.version,
      json,
    });
    this.#items++;
    this.#counts.set(resource.groupResource, (this.#counts.get(resource.groupResource) ?? 0) + 1);
    if (resource.namespaced && ns) this.#namespacesWithItems.add(ns);
    let entries = this.#entries.get(resource);
    if (entries === undefined) this.#entries.set(resource, (entries = []));
    entries.push(entry);
    if (this.#items % 250 === 0) this.#progress();
    // The caller awaits it; should the caller fail first, its rejection is not left unhandled.
    pending?.catch(() => undefined);
    return pending;
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
   * The CRD of every custom resource type backed up, unless CRDs are named in the resource filter or
   * the listing stored every CRD already (then they were listed like any type), or cluster-scoped
   * items are off.
   */
  async #collectCrds(): Promise<void> {
    const crdResource = this.#byGroupResource.get(CRD);
    const resources = this.#o.scope.resources;
    if (
      crdResource === undefined ||
      resources.includes.includes(CRD) ||
      this.#o.listing.covers(CRD, undefined) ||
      !this.#o.scope.keepsAdditional(CRD, undefined)
    )
      return;
    const crds = await this.#listAll(CRD);
    const byName = new Map(crds.map((c) => [c.metadata.name, c]));
    for (const gr of this.#counts.keys()) {
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

/** An item's resource-list entry ("ns/name", or "name" when cluster-scoped), also its identity here. */
function listEntry(resource: ApiResource, namespace: string | undefined, name: string): string {
  return resource.namespaced && namespace ? `${namespace}/${name}` : name;
}
