/**
 * kopia's complete sets (internal/completeset): index blobs written together as N shards carry
 * `-s<set>-c<N>` after their hash (`<prefix><hash>-s<set>-c<N>`); a reader uses such a set only once
 * all N shards are listed. A blob without that shape is a set of its own.
 */

/** A listed blob, structurally blob/blob-storage.ts's BlobMetadata. */
export interface ListedBlob {
  id: string;
  length: number;
  timestamp: Date;
}

/**
 * Every complete set in the listing, in the order they complete while walking the listing (kopia's
 * FindAll). Callers pass listings sorted by blob ID, as kopia's storages list them.
 */
export function findCompleteSets<B extends { id: string }>(blobs: readonly B[]): B[][] {
  const sets = new Map<string, B[]>();
  const complete: B[][] = [];
  for (const b of blobs) {
    const parts = b.id.split('-');
    const setId = parts[1];
    const countPart = parts[2];
    const count = countPart === undefined ? Number.NaN : goAtoi(countPart.slice(1));
    if (
      setId === undefined ||
      countPart === undefined ||
      !setId.startsWith('s') ||
      !countPart.startsWith('c') ||
      Number.isNaN(count)
    ) {
      complete.push([b]);
      continue;
    }
    const set = sets.get(setId) ?? [];
    set.push(b);
    sets.set(setId, set);
    if (set.length === count) complete.push(set);
  }
  return complete;
}

/** The first complete set, or undefined (kopia's FindFirst). */
export function findFirstCompleteSet<B extends { id: string }>(blobs: readonly B[]): B[] | undefined {
  return findCompleteSets(blobs)[0];
}

/**
 * Go's strconv.Atoi: optional sign and decimal digits, within int64; NaN otherwise. Values beyond
 * JavaScript's safe integers are NaN too: no real repository comes near them.
 */
export function goAtoi(s: string): number {
  if (!/^[+-]?[0-9]{1,19}$/.test(s)) return Number.NaN;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : Number.NaN;
}
