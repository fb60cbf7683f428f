import { type ApiResource, getObject, type KubeClient, listPages } from '../kube/index.ts';
import type { KubeObject } from '../model/index.ts';
import type { ItemRef } from '../actions/index.ts';

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
 * The collector's reads of the cluster outside the main listing: whole types listed once and kept
 * (what item actions' `listAll` gives, the CRDs), and the objects actions pull in.
 */
export class ClusterReads {
  readonly #client: KubeClient;
  readonly #byGroupResource: ReadonlyMap<string, ApiResource>;
  readonly #signal: AbortSignal | undefined;
  readonly #listCache = new Map<string, Promise<readonly KubeObject[]>>();
  readonly #indexes = new Map<string, Promise<Map<string, KubeObject>>>();

  constructor(client: KubeClient, byGroupResource: ReadonlyMap<string, ApiResource>, signal?: AbortSignal) {
    this.#client = client;
    this.#byGroupResource = byGroupResource;
    this.#signal = signal;
  }

  /** One object an action asked for: from the type's cached list when it has one, else a GET. */
  async lookup(resource: ApiResource, ref: ItemRef): Promise<KubeObject | undefined> {
    if (!LOOKED_UP_BY_LIST.has(resource.groupResource)) {
      return getObject(this.#client, resource, ref.namespace, ref.name);
    }
    let index = this.#indexes.get(resource.groupResource);
    if (index === undefined) {
      index = this.listAll(resource.groupResource).then(
        (all) => new Map(all.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o])),
      );
      this.#indexes.set(resource.groupResource, index);
    }
    return (await index).get(`${ref.namespace ?? ''}/${ref.name}`);
  }

  /**
   * Starts the cached LISTs of the types that actions look up by LIST, so that the first item that
   * needs one does not wait for it: they run while the main listing's first types are read.
   */
  prefetch(groupResources: Iterable<string>): void {
    for (const gr of groupResources) {
      if (!LOOKED_UP_BY_LIST.has(gr) || this.#listCache.has(gr)) continue;
      // Awaited (and its failure reported) by the first lookup; never an unhandled rejection.
      this.listAll(gr).catch(() => undefined);
    }
  }

  /** Every object of a type (none when the cluster does not serve it), listed once. */
  listAll(groupResource: string): Promise<readonly KubeObject[]> {
    let cached = this.#listCache.get(groupResource);
    if (cached === undefined) {
      cached = this.#list(groupResource);
      this.#listCache.set(groupResource, cached);
    }
    return cached;
  }

  async #list(groupResource: string): Promise<readonly KubeObject[]> {
    const resource = this.#byGroupResource.get(groupResource);
    if (resource === undefined) return [];
    const all: KubeObject[] = [];
    for await (const page of listPages(this.#client, resource, { pageSize: 500, signal: this.#signal }))
      all.push(...page);
    return all;
  }
}
