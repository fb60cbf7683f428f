import {
  type ApiResource,
  type KubeClient,
  type OpenList,
  openRawList,
  type RawPage,
} from '../kube/index.ts';
import type { LabelSelector } from '../model/index.ts';
import { formatLabelSelector } from '../selection/index.ts';
import { lookahead } from '../concurrency/index.ts';
import type { BackupScope } from './scope.ts';

export interface TypeListsOptions {
  client: KubeClient;
  scope: BackupScope;
  /** Sent with every LIST: the server does the selecting. */
  labelSelector: LabelSelector | undefined;
  pageSize?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Forces how namespaced types are listed for a namespace selection (tests, measurements). */
  namespacedListing?: NamespacedListing | undefined;
}

/**
 * How a namespaced type is listed when the backup selects namespaces: one LIST across the cluster
 * whose items outside the selection are dropped here, or one LIST per selected namespace.
 */
export type NamespacedListing = 'cluster' | 'per-namespace';

/** One LIST of a type: across the cluster (namespace undefined) or in one namespace. */
export interface TypeList {
  namespace: string | undefined;
  list: OpenList<RawPage>;
}

/**
 * How the main listing lists a type: one LIST across the cluster for cluster-scoped types and when
 * every namespace is in scope; for a namespace selection, whichever costs less (namespacedListing).
 * Either way the label selector is sent with each LIST, and the items come in the same order: a
 * cluster-wide LIST gives them by namespace as the server orders its keys ("<namespace>/<name>"),
 * and the per-namespace LISTs are made in that order too.
 */
export class TypeLists {
  readonly #o: TypeListsOptions;
  readonly #labelSelector: string | undefined;
  #included: readonly string[] = [];
  #namespaced: NamespacedListing = 'per-namespace';
  /** The first type's cluster-wide LIST, opened before the namespaces were known (startEarly). */
  #early: { resource: ApiResource; list: TypeList } | undefined;

  constructor(options: TypeListsOptions) {
    this.#o = options;
    this.#labelSelector =
      options.labelSelector === undefined ? undefined : formatLabelSelector(options.labelSelector);
  }

  /** Lists across every namespace do not depend on which namespaces exist. */
  get needNamespaces(): boolean {
    return !this.#o.scope.namespaces.includesEverything();
  }

  /** How namespaced types are listed for this backup (known once the namespaces are). */
  get namespacedListing(): NamespacedListing | 'whole-cluster' {
    return this.needNamespaces ? this.#namespaced : 'whole-cluster';
  }

  /** The included namespaces, once listed, of the `inCluster` namespaces the cluster has. */
  setNamespaces(included: readonly string[], inCluster: number): void {
    this.#included = [...included].sort(byServerKey);
    this.#namespaced = this.#o.namespacedListing ?? namespacedListing(included.length, inCluster);
  }

  /**
   * Opens the first type's LIST while the namespaces are still being listed, so that its first page
   * is on its way by the time they are known: the LIST across the cluster, which is what start()
   * gives for a cluster-scoped type, for every namespace in scope, and for a namespace selection
   * that turns out to cover more than a tenth of the namespaces (namespacedListing). For a smaller
   * selection start() leaves it unread and lists per namespace: one page of one type requested for
   * nothing, against a round trip saved whenever the cluster-wide LIST is the one taken. Nothing is
   * opened when per-namespace listing is forced.
   */
  startEarly(resource: ApiResource): void {
    if (this.selectsNamespaces(resource) && this.#o.namespacedListing === 'per-namespace') return;
    this.#early = { resource, list: this.#open(resource, undefined) };
  }

  /**
   * The LISTs of a type, in order. The first page of the cluster-wide LIST is requested now (or was,
   * by startEarly); per namespace, the first PER_NAMESPACE_AHEAD LISTs are, and each one taken
   * requests the next.
   */
  start(resource: ApiResource): Iterable<TypeList> {
    const early = this.#early?.resource === resource ? this.#early.list : undefined;
    this.#early = undefined;
    if (this.selectsNamespaces(resource) && this.#namespaced === 'per-namespace')
      return this.perNamespace(resource); // an early LIST is left unread: its failure is not reported
    return [early ?? this.#open(resource, undefined)];
  }

  /** The type is namespaced and the backup selects namespaces. */
  selectsNamespaces(resource: ApiResource): boolean {
    return resource.namespaced && this.needNamespaces;
  }

  /** One LIST per included namespace, in the server's order, started PER_NAMESPACE_AHEAD ahead. */
  perNamespace(resource: ApiResource): Iterable<TypeList> {
    return lookahead(this.#included, PER_NAMESPACE_AHEAD, (ns) => this.#open(resource, ns));
  }

  #open(resource: ApiResource, namespace: string | undefined): TypeList {
    const { client, pageSize, signal } = this.#o;
    const options = { namespace, labelSelector: this.#labelSelector, pageSize: pageSize ?? 500, signal };
    return { namespace, list: openRawList(client, resource, options, true) };
  }
}

/** Per-namespace LISTs under way at once, ahead of the one being written. */
const PER_NAMESPACE_AHEAD = 6;

/**
 * The cheaper way to list the namespaced types for `selected` of the cluster's `inCluster`
 * namespaces. A cluster-wide LIST costs the server every item of the type in the whole cluster; a
 * per-namespace LIST costs only the selection's items, but one request per namespace per type
 * (there are ~30 namespaced types in a bare cluster, more with CRDs), and each request has a fixed
 * cost in the API server (~10-15 ms here). Measured on the harness's source cluster (2 shared cores,
 * 76 namespaces, 12.6k items: 50 seeded namespaces × 200 objects — ConfigMaps of ~1 KiB, Secrets,
 * headless Services, ServiceAccounts), collection of k seeded namespaces, medians of 3:
 *
 *   k                 1      4      8     16     24     32
 *   per namespace  0.57   1.53   2.39   6.83  10.65  13.43  s
 *   cluster-wide   2.06   2.64   2.70   3.00   2.99   4.88  s
 *
 * Per namespace grows ~0.35 s a namespace; cluster-wide costs ~2 s for the 76 namespaces (~0.03 s
 * a namespace of the cluster) plus the selection's own items. They cross near k = 8, a tenth of
 * the cluster's namespaces: per-namespace LISTs when the selection is at most a tenth of the
 * namespaces, else one cluster-wide LIST. Both sides grow with the cluster's namespaces, so the
 * share, not a count, is the rule. A glob is resolved against the namespace list like any selection.
 */
export function namespacedListing(selected: number, inCluster: number): NamespacedListing {
  return selected * PER_NAMESPACE_SHARE <= inCluster ? 'per-namespace' : 'cluster';
}

/** Per-namespace LISTs pay off up to 1/PER_NAMESPACE_SHARE of the cluster's namespaces. */
const PER_NAMESPACE_SHARE = 10;

/** Namespaces in the order a cluster-wide LIST gives their items: by "<namespace>/" ('-' sorts before '/'). */
function byServerKey(a: string, b: string): number {
  const ka = `${a}/`;
  const kb = `${b}/`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
