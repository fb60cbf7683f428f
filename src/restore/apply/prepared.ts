import type { PreparedItem } from './prepare.ts';

/**
 * Items prepared once, by the inventory, and read back by what needs the object to create: the
 * restorer, the dry-run comparison and verify. Keyed by the item's classic path in the archive
 * (the planned item's `path`). Only items to be restored are kept (a skipped item is never read).
 */
export interface PreparedItems {
  keep(path: string, prepared: PreparedItem): Promise<void>;
  /** The prepared item at `path`, or undefined when none was kept. */
  get(path: string): Promise<PreparedItem | undefined>;
}

/** Prepared items held in memory: for tests and small restores (the CLI spools them to disk). */
export class PreparedInMemory implements PreparedItems {
  readonly #items = new Map<string, PreparedItem>();

  keep(path: string, prepared: PreparedItem): Promise<void> {
    this.#items.set(path, prepared);
    return Promise.resolve();
  }

  get(path: string): Promise<PreparedItem | undefined> {
    const found = this.#items.get(path);
    return Promise.resolve(found === undefined ? undefined : structuredClone(found));
  }
}
