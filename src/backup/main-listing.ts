import type { ApiResource } from '../kube/index.ts';
import type { LabelSelector } from '../model/index.ts';
import { orderResources, type BackupScope } from './scope.ts';

/**
 * A backup's main listing: the types it lists, in Velero's order, and which items pass through it.
 * An item of a type it covers is seen by the listing (stored, or skipped as excluded), so fetching
 * it again — an action's additional item, a read of the cluster profile — would add nothing.
 */
export class MainListing {
  /** Types listed one after the other (namespaces are handled on their own). */
  readonly resources: readonly ApiResource[];
  readonly #scope: BackupScope;
  readonly #labelSelector: LabelSelector | undefined;
  readonly #served: ReadonlyMap<string, ApiResource>;
  readonly #listed: ReadonlySet<string>;

  constructor(scope: BackupScope, served: readonly ApiResource[], labelSelector: LabelSelector | undefined) {
    this.#scope = scope;
    this.#labelSelector = labelSelector;
    this.#served = new Map(served.map((r) => [r.groupResource, r]));
    this.resources = orderResources(served).filter(
      (r) => r.groupResource !== 'namespaces' && scope.collects(r),
    );
    this.#listed = new Set(this.resources.map((r) => r.groupResource));
  }

  /** The served resource (its preferred version, the one listed), if the cluster serves the type. */
  resource(groupResource: string): ApiResource | undefined {
    return this.#served.get(groupResource);
  }

  /**
   * The listing sees every item of the type in `namespace` — in every namespace when it is
   * undefined. No label selector narrows it. A type the cluster does not serve has no items to miss.
   */
  covers(groupResource: string, namespace: string | undefined): boolean {
    const resource = this.#served.get(groupResource);
    if (resource === undefined) return true;
    const namespaces = this.#scope.namespaces;
    return (
      this.#labelSelector === undefined &&
      this.#listed.has(groupResource) &&
      (!resource.namespaced ||
        (namespace === undefined ? namespaces.includesEverything() : namespaces.shouldInclude(namespace)))
    );
  }
}
