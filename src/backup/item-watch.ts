import type { KubeObject } from '../model/index.ts';
import { PageCursor } from './page-cursor.ts';

/** Listed items a part of lifeboat wants to see as the backup passes them (e.g. the cluster profile). */
export interface ItemWatch {
  groupResource: string;
  /** Which items, by namespace and name; every item of the type when absent. */
  matches?(namespace: string | undefined, name: string): boolean;
  /**
   * Text the watch's items contain (in their JSON as listed), or texts of which they contain one: a
   * listed item without it is not even parsed for this watch. An item that does not come from a
   * listing is shown regardless.
   */
  mentions?: string | readonly string[];
  /**
   * An item, once: as stored (after item actions) when stored, else as listed (excluded by label, or
   * being deleted). Called inside the collection loop: must be quick.
   */
  see(item: KubeObject, stored: boolean): void;
  /** The main listing of the type is over: complete, or false when part of it could not be listed. */
  done?(complete: boolean): void;
}

/** A backup's watches, by type: shows each item to the watches it concerns. */
export class Watches {
  readonly #byType = new Map<string, ItemWatch[]>();
  /** The bytes of each watch's `mentions` texts. */
  readonly #mentions = new Map<ItemWatch, readonly Buffer[]>();

  constructor(watches: readonly ItemWatch[]) {
    for (const watch of watches) {
      if (watch.mentions !== undefined)
        this.#mentions.set(
          watch,
          [watch.mentions].flat().map((text) => Buffer.from(text)),
        );
      const list = this.#byType.get(watch.groupResource) ?? [];
      list.push(watch);
      this.#byType.set(watch.groupResource, list);
    }
  }

  /**
   * Shows an item — listed (parsed only for a watch that matches it), or an object already at hand —
   * to the watches of its type that match it; a listed item only to the watches one of whose
   * `mentions` texts its bytes contain.
   */
  show(groupResource: string, item: PageCursor | KubeObject, stored: boolean): void {
    const watches = this.#byType.get(groupResource);
    if (watches === undefined) return;
    const listed = item instanceof PageCursor;
    const [namespace, name] = listed
      ? [item.namespace, item.name]
      : [item.metadata.namespace, item.metadata.name];
    for (const watch of watches) {
      if (!(watch.matches?.(namespace, name) ?? true)) continue;
      const mentions = this.#mentions.get(watch);
      if (mentions !== undefined && listed && !mentions.some((m) => item.contains(m))) continue;
      watch.see(listed ? item.object() : item, stored);
    }
  }

  /** The main listing of a type is over. */
  done(groupResource: string, complete: boolean): void {
    for (const watch of this.#byType.get(groupResource) ?? []) watch.done?.(complete);
  }
}
