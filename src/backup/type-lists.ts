import {
  type ApiResource,
  type KubeClient,
  type OpenList,
  openRawList,
  type RawPage,
} from '../kube/index.ts';
import type { LabelSelector } from '../model/index.ts';
import { formatLabelSelector } from '../selection/index.ts';
import type { BackupScope } from './scope.ts';

export interface TypeListsOptions {
  client: KubeClient;
  scope: BackupScope;
  /** Sent with every LIST: the server does the selecting. */
  labelSelector: LabelSelector | undefined;
  pageSize?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** One LIST of a type: across the cluster (namespace undefined) or in one namespace. */
export interface TypeList {
  namespace: string | undefined;
  list: OpenList<RawPage>;
}

/**
 * How the main listing lists a type: one LIST across the cluster when every namespace is in scope
 * (and for cluster-scoped types), else one per included namespace.
 */
export class TypeLists {
  readonly #o: TypeListsOptions;
  readonly #labelSelector: string | undefined;
  #included: readonly string[] = [];

  constructor(options: TypeListsOptions) {
    this.#o = options;
    this.#labelSelector =
      options.labelSelector === undefined ? undefined : formatLabelSelector(options.labelSelector);
  }

  /** Lists across every namespace do not depend on which namespaces exist. */
  get needNamespaces(): boolean {
    return !this.#o.scope.namespaces.includesEverything();
  }

  /** The included namespaces, once listed, in the cluster's order. */
  setNamespaces(included: readonly string[]): void {
    this.#included = included;
  }

  /** The LISTs of a type, in order: the first page of the first is requested now. */
  start(resource: ApiResource): Iterable<TypeList> {
    const targets = !resource.namespaced || !this.needNamespaces ? [undefined] : this.#included;
    const first = targets.length === 0 ? undefined : this.#open(resource, targets[0], true);
    return (function* (open: (namespace: string | undefined) => TypeList) {
      for (const [i, namespace] of targets.entries()) yield i === 0 ? first! : open(namespace);
    })((namespace) => this.#open(resource, namespace, false));
  }

  #open(resource: ApiResource, namespace: string | undefined, eager: boolean): TypeList {
    const { client, pageSize, signal } = this.#o;
    const options = { namespace, labelSelector: this.#labelSelector, pageSize: pageSize ?? 500, signal };
    return { namespace, list: openRawList(client, resource, options, eager) };
  }
}
