import type { ApiResource } from '../kube/index.ts';
import { nullObject, type ResourceList } from '../model/index.ts';

/**
 * What the collector has handled and written: each item once (by type and resource-list entry), the
 * counts per type, the resource list, and the namespaces that hold items.
 */
export class CollectedItems {
  /** Items handled so far, per group-resource, by resource-list entry ("ns/name" or "name"). */
  readonly #seen = new Map<string, Set<string>>();
  /** Resource-list entries per resource ("<apiVersion>/<Kind>" keys are joined at the end). */
  readonly #entries = new Map<ApiResource, string[]>();
  readonly #counts = new Map<string, number>();
  readonly #namespacesWithItems = new Set<string>();
  #written = 0;

  /** Items written so far. */
  get written(): number {
    return this.#written;
  }

  /** Marks the item handled; false when it was handled before (a relisted page, an additional item). */
  firstSight(groupResource: string, entry: string): boolean {
    const seen = this.#seenOf(groupResource);
    if (seen.has(entry)) return false;
    seen.add(entry);
    return true;
  }

  /** The item was handled already. */
  seen(groupResource: string, entry: string): boolean {
    return this.#seenOf(groupResource).has(entry);
  }

  /** Records a written item. */
  add(resource: ApiResource, namespace: string | undefined, entry: string): void {
    this.#written++;
    this.#counts.set(resource.groupResource, (this.#counts.get(resource.groupResource) ?? 0) + 1);
    if (resource.namespaced && namespace) this.#namespacesWithItems.add(namespace);
    let entries = this.#entries.get(resource);
    if (entries === undefined) this.#entries.set(resource, (entries = []));
    entries.push(entry);
  }

  holdsItems(namespace: string): boolean {
    return this.#namespacesWithItems.has(namespace);
  }

  /** The types written, in the order their first item was. */
  types(): IterableIterator<string> {
    return this.#counts.keys();
  }

  /** Items per group-resource. */
  counts(): Record<string, number> {
    return nullObject(this.#counts);
  }

  /** The resource list: entries sorted, under "<apiVersion>/<Kind>" keys sorted. */
  resourceList(): ResourceList {
    const byKey = new Map<string, string[]>();
    for (const [resource, entries] of this.#entries) {
      const key = `${resource.apiVersion}/${resource.kind}`;
      byKey.set(key, [...(byKey.get(key) ?? []), ...entries]);
    }
    const resourceList: ResourceList = nullObject();
    for (const key of [...byKey.keys()].sort()) resourceList[key] = byKey.get(key)!.sort();
    return resourceList;
  }

  #seenOf(groupResource: string): Set<string> {
    let seen = this.#seen.get(groupResource);
    if (seen === undefined) this.#seen.set(groupResource, (seen = new Set()));
    return seen;
  }
}

/** An item's resource-list entry ("ns/name", or "name" when cluster-scoped), also its identity here. */
export function listEntry(resource: ApiResource, namespace: string | undefined, name: string): string {
  return resource.namespaced && namespace ? `${namespace}/${name}` : name;
}
