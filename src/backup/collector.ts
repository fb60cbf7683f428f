import { LifeboatError } from '../errors/index.ts';
import { type ApiResource, KubeApiError, ListBodyError, listPages } from '../kube/index.ts';
import { excludedByLabel, type KubeObject } from '../model/index.ts';
import { goMarshal } from '../gojson/index.ts';
import type { BackupActionContext, BackupItemAction, ItemRef } from '../actions/index.ts';
import type { ItemBytes } from '../archive/index.ts';
import { matchesLabelSelector } from '../selection/index.ts';
import { ResultsCollector } from '../results/index.ts';
import { actionFailed, additionalUnreadable, listFailed } from './collect-problems.ts';
import { beingDeleted, PageCursor } from './page-cursor.ts';
import { ClusterReads } from './cluster-reads.ts';
import { CollectedItems, listEntry } from './collected-items.ts';
import { Watches } from './item-watch.ts';
import type { CollectOptions, CollectOutcome } from './collect-options.ts';
import { type TypeList, TypeLists } from './type-lists.ts';

export type { BackupProgress, CollectOptions, CollectOutcome, ItemSink } from './collect-options.ts';

const CRD = 'customresourcedefinitions.apiextensions.k8s.io';

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

/** One backup's collection: the main listing type by type, then namespaces, then CRDs. */
class Collector {
  readonly #o: CollectOptions;
  readonly #byGroupResource: Map<string, ApiResource>;
  readonly #actionsFor = new Map<string, readonly BackupItemAction[]>();
  readonly #collected = new CollectedItems();
  readonly #reads: ClusterReads;
  readonly #lists: TypeLists;
  readonly #watches: Watches;
  readonly #results = new ResultsCollector();
  /** Reads listed items in place, one at a time. */
  readonly #cursor = new PageCursor();
  readonly #context: BackupActionContext;
  #resourcesDone = 0;
  #resourcesTotal = 0;
  #currentResource = '';

  constructor(options: CollectOptions) {
    this.#o = options;
    this.#byGroupResource = new Map(options.served.map((r) => [r.groupResource, r]));
    this.#reads = new ClusterReads(options.client, this.#byGroupResource, options.signal);
    this.#lists = new TypeLists(options);
    this.#watches = new Watches(options.watches ?? []);
    this.#context = { listAll: (gr) => this.#reads.listAll(gr) };
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
    return {
      itemsBackedUp: this.#collected.written,
      resourceList: this.#collected.resourceList(),
      counts: this.#collected.counts(),
      results: this.#results,
      fatal,
    };
  }

  async #collectAll(): Promise<void> {
    const { scope, logger } = this.#o;
    const resources = this.#o.listing.resources;
    // The first type's LIST is asked for while the namespaces are listed (start() takes it, or
    // lists per namespace when the selection is small).
    if (resources[0]) this.#lists.startEarly(resources[0]);
    const namespaces = await this.#activeNamespaces();
    const includedNamespaces = namespaces.filter((ns) => scope.namespaces.shouldInclude(ns.metadata.name));
    this.#resourcesTotal = resources.length + 2; // + namespaces, + CRDs
    this.#lists.setNamespaces(
      includedNamespaces.map((n) => n.metadata.name),
      namespaces.length,
    );
    // The first page of the next type is requested while this one is written.
    let next = resources[0] && this.#lists.start(resources[0]);
    this.#reads.prefetch(this.#lookedUp(resources));
    for (let i = 0; i < resources.length; i++) {
      const resource = resources[i]!;
      const lists = next!;
      next = resources[i + 1] && this.#lists.start(resources[i + 1]!);
      this.#currentResource = resource.groupResource;
      this.#progress();
      const before = this.#collected.written;
      const complete = await this.#collectResource(resource, lists);
      this.#watches.done(resource.groupResource, complete);
      logger.info(
        { resource: resource.groupResource, items: this.#collected.written - before },
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
      itemsBackedUp: this.#collected.written,
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

  /**
   * Lists and stores the items of a type; false when part of it could not be listed. A cluster-wide
   * LIST for a namespace selection that fails (forbidden across the cluster to one allowed in the
   * selected namespaces, a type the server cannot serve) is made again per namespace, so a failure
   * is the failing namespaces' own, as when listed per namespace from the start.
   */
  async #collectResource(resource: ApiResource, lists: Iterable<TypeList>): Promise<boolean> {
    let complete = true;
    for (const { namespace, list } of lists) {
      try {
        await this.#collectList(resource, list);
      } catch (err) {
        // The API server itself is gone (or a bug): the backup fails.
        if (!(err instanceof KubeApiError) && !(err instanceof ListBodyError)) throw err;
        if (namespace === undefined && this.#lists.selectsNamespaces(resource)) {
          return this.#collectResource(resource, this.#lists.perNamespace(resource));
        }
        listFailed(this.#results, this.#o.logger, resource, namespace, err);
        complete = false;
      }
    }
    return complete;
  }

  async #collectList(resource: ApiResource, list: TypeList['list']): Promise<void> {
    const { scope } = this.#o;
    const cursor = this.#cursor;
    // A LIST gives a namespace's items together (etcd key order): decide once per namespace, not per item.
    let lastNamespace: string | undefined;
    let lastIncluded = true;
    for await (const page of list.pages()) {
      cursor.reset(resource, page);
      while (cursor.next()) {
        if (resource.namespaced) {
          const namespace = cursor.namespace ?? '';
          if (namespace !== lastNamespace) {
            lastNamespace = namespace;
            lastIncluded = scope.namespaces.shouldInclude(namespace);
          }
          if (!lastIncluded) continue;
        }
        const pending = this.#enter(resource, cursor);
        if (pending !== undefined) await pending;
      }
    }
  }

  /**
   * The one way an item enters the archive, whether listed (read in place from its page) or an
   * object at hand (an additional item, a namespace, a CRD). Each item once: one excluded by label
   * or being deleted is left out (a listed one is still shown to the watches); with item actions
   * for its type, they run first (their additional items enter before it) and the object they give
   * is stored; without, a listed item is stored from the server's bytes. Then the watches see it.
   * Gives the sink's promise when the writer wants the caller to wait.
   */
  #enter(resource: ApiResource, item: PageCursor | KubeObject): Promise<void> | undefined {
    const gr = resource.groupResource;
    const listed = item instanceof PageCursor;
    const [namespace, name] = listed
      ? [item.namespace, item.name]
      : [item.metadata.namespace, item.metadata.name];
    const entry = listEntry(resource, namespace, name);
    if (!this.#collected.firstSight(gr, entry)) return undefined;
    if (
      listed ? item.excluded || item.deleting : excludedByLabel(item.metadata.labels) || beingDeleted(item)
    ) {
      if (listed) this.#watches.show(gr, item, false);
      return undefined;
    }
    if (this.#actionsOf(gr).length > 0)
      return listed
        ? this.#enterThroughActions(resource, item.object(), entry, item)
        : this.#enterThroughActions(resource, item, entry);
    // Most items: written and shown without a promise, unless the writer asks to wait.
    const pending = this.#write(resource, namespace, name, listed ? item.bytes() : goMarshal(item), entry);
    this.#watches.show(gr, item, true);
    return pending;
  }

  /**
   * Runs the type's actions on the item (additional items enter first), then writes what they gave:
   * a listed item no action changed is stored from the server's bytes (its cursor stays on it while
   * the listing waits), like an item of a type without actions.
   */
  async #enterThroughActions(
    resource: ApiResource,
    item: KubeObject,
    entry: string,
    listedAt?: PageCursor,
  ): Promise<void> {
    let stored = item;
    for (const action of this.#actionsOf(resource.groupResource)) {
      try {
        const result = await action.execute(stored, this.#context);
        stored = result.item;
        for (const ref of result.additionalItems) await this.#enterAdditional(ref);
      } catch (err) {
        if (err instanceof LifeboatError && err.code === 'UNREACHABLE') throw err;
        actionFailed(this.#results, resource, item, action.name, err);
      }
    }
    const json = stored === item && listedAt !== undefined ? listedAt.bytes() : goMarshal(stored);
    await this.#write(resource, stored.metadata.namespace, stored.metadata.name, json, entry);
    this.#watches.show(resource.groupResource, stored, true);
  }

  /** An item an action pulls in: read from the cluster, unless in scope of the main listing or seen. */
  async #enterAdditional(ref: ItemRef): Promise<void> {
    const resource = this.#byGroupResource.get(ref.groupResource);
    if (resource === undefined) return; // type not served in this cluster
    if (this.#collected.seen(ref.groupResource, listEntry(resource, ref.namespace, ref.name))) return;
    if (!this.#o.scope.keepsAdditional(ref.groupResource, ref.namespace)) return;
    // The main listing stores (before or after now) every item it covers: fetching one adds nothing.
    if (this.#o.listing.covers(ref.groupResource, ref.namespace ?? '')) return;
    const obj = await this.#reads.lookup(resource, ref).catch((err: unknown) => {
      if (!(err instanceof KubeApiError)) throw err;
      additionalUnreadable(this.#results, ref, err);
      return undefined;
    });
    if (obj !== undefined) await this.#enter(resource, obj);
  }

  /**
   * The cluster-scoped types the listed types' actions pull in and the main listing does not list:
   * their actions will read them (a namespace selection's pods and ServiceAccounts pull in
   * PriorityClasses, ClusterRoleBindings and ClusterRoles), so the reads can start with the listing.
   * Namespaced ones are left to the first item that needs them: those in the selection are listed.
   */
  #lookedUp(resources: readonly ApiResource[]): Set<string> {
    const types = new Set<string>();
    for (const resource of resources)
      for (const action of this.#actionsOf(resource.groupResource))
        for (const gr of action.pullsIn) {
          const pulled = this.#byGroupResource.get(gr);
          if (pulled !== undefined && !pulled.namespaced && !this.#o.listing.covers(gr, undefined))
            types.add(gr);
        }
    return types;
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
    this.#collected.add(resource, ns, entry);
    if (this.#collected.written % 250 === 0) this.#progress();
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
      const keep =
        this.#collected.holdsItems(ns.metadata.name) ||
        (selector === undefined ? true : matchesLabelSelector(selector, ns.metadata.labels));
      if (keep) await this.#enter(nsResource, ns);
    }
  }

  /**
   * The CRD of every custom resource type backed up, unless CRDs are named in the resource filter or
   * the listing stored every CRD already (then they were listed like any type), or cluster-scoped
   * items are off.
   */
  async #collectCrds(): Promise<void> {
    const crdResource = this.#byGroupResource.get(CRD);
    const { scope, listing } = this.#o;
    if (
      crdResource === undefined ||
      scope.resources.includes.includes(CRD) ||
      listing.covers(CRD, undefined) ||
      !scope.keepsAdditional(CRD, undefined)
    )
      return;
    const crds = await this.#reads.listAll(CRD);
    const byName = new Map(crds.map((c) => [c.metadata.name, c]));
    for (const gr of this.#collected.types()) {
      const crd = byName.get(gr);
      if (crd !== undefined) await this.#enter(crdResource, crd);
    }
  }
}
