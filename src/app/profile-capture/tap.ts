import { matchesLabelSelector, parseLabelSelector } from '../../selection/index.ts';
import type { ItemWatch, MainListing } from '../../backup/index.ts';
import {
  groupResourceOf,
  type Obj,
  type ProfileSource,
  type ReadTarget,
} from '../../profile/capture/index.ts';

/**
 * The profile's reads answered from the backup's own listing. For each read whose objects the
 * listing covers (same type, same version, every namespace or the read's one, no label selector on
 * the backup), a watch keeps the matching items as they pass; the read resolves once the listing of
 * the type is over. A read the listing does not cover (a filtered backup), or whose type could not
 * be listed completely, goes to the API server as before — so does every read still waiting when
 * the collection ends early (close()).
 */
export class ProfileTap implements ProfileSource {
  readonly watches: ItemWatch[] = [];
  readonly #pending = new Map<ReadTarget, PromiseWithResolvers<Obj[] | undefined>>();

  constructor(listing: MainListing, targets: readonly ReadTarget[]) {
    for (const target of targets) {
      const groupResource = groupResourceOf(target);
      const resource = listing.resource(groupResource);
      if (resource === undefined || resource.version !== target.version) continue;
      if (!listing.covers(groupResource, target.namespace)) continue;
      const selector = target.labelSelector ? parseLabelSelector(target.labelSelector) : undefined;
      const pending = Promise.withResolvers<Obj[] | undefined>();
      this.#pending.set(target, pending);
      const items: Obj[] = [];
      this.watches.push({
        groupResource,
        matches: (namespace, name) =>
          (target.namespace === undefined || namespace === target.namespace) &&
          (target.name === undefined || name === target.name),
        see: (item) => {
          if (selector === undefined || matchesLabelSelector(selector, item.metadata.labels))
            items.push(item);
        },
        done: (complete) => pending.resolve(complete ? items : undefined),
      });
    }
  }

  read(target: ReadTarget): Promise<Obj[] | undefined> | undefined {
    return this.#pending.get(target)?.promise;
  }

  /** The collection is over: reads still waiting for their type go to the API server. */
  close(): void {
    for (const pending of this.#pending.values()) pending.resolve(undefined);
  }
}
