import { compareContentIds, tryContentIdToKey } from './content-id.ts';
import type { IndexEntry, PackIndex } from './index-entry.ts';

/**
 * kopia's merge rule (repo/content/index/merged.go contentInfoGreaterThanStruct) for two entries of
 * the same content: the later timestamp wins; at the same second a live entry beats a deletion
 * marker; otherwise the lexicographically greater pack blob ID wins, so every reader resolves to the
 * same pack. True when a should replace b.
 */
export function entryWins(a: IndexEntry, b: IndexEntry): boolean {
  if (a.timestampSeconds !== b.timestampSeconds) return a.timestampSeconds > b.timestampSeconds;
  if (a.deleted !== b.deleted) return !a.deleted;
  return a.packBlobId > b.packBlobId;
}

/**
 * kopia's deletion watermark rule (committed_content_index.go shouldIgnore): a deletion marker
 * written at or before the watermark is as if the content had never been in the index.
 */
export function hiddenByWatermark(e: IndexEntry, deletionWatermarkSeconds: number | undefined): boolean {
  return (
    e.deleted && deletionWatermarkSeconds !== undefined && e.timestampSeconds <= deletionWatermarkSeconds
  );
}

/** One entry per content ID (the winner by entryWins, as kopia's index.Builder.Add), in content ID order. */
export function sortedUniqueEntries(input: Iterable<IndexEntry>): IndexEntry[] {
  const byId = new Map<string, IndexEntry>();
  for (const e of input) {
    const old = byId.get(e.contentId);
    if (old === undefined || entryWins(e, old)) byId.set(e.contentId, e);
  }
  return [...byId.values()].sort((a, b) => compareContentIds(a.contentId, b.contentId));
}

/**
 * Several decoded index blobs read as one (kopia's index.Merged) with the deletion watermark applied
 * (kopia's committedContentIndex): a lookup asks every index and keeps the winner; iteration is a
 * k-way merge in content ID order yielding each content's winner once.
 */
export class MergedIndex {
  readonly indexes: readonly PackIndex[];
  readonly deletionWatermarkSeconds: number | undefined;

  constructor(indexes: readonly PackIndex[], deletionWatermarkSeconds?: number) {
    this.indexes = indexes;
    this.deletionWatermarkSeconds = deletionWatermarkSeconds;
  }

  /** The winning entry for a content ID, or undefined (also when the winner is a deletion marker at or before the watermark). */
  lookup(contentId: string): IndexEntry | undefined {
    const key = tryContentIdToKey(contentId);
    if (key === undefined) return undefined;
    let best: IndexEntry | undefined;
    for (const ndx of this.indexes) {
      const e = ndx.lookupKey(key);
      if (e !== undefined && (best === undefined || entryWins(e, best))) best = e;
    }
    return best === undefined || hiddenByWatermark(best, this.deletionWatermarkSeconds) ? undefined : best;
  }

  /** Every content's winning entry in content ID order, deletion markers included unless hidden by the watermark. */
  *entries(): IterableIterator<IndexEntry> {
    for (const e of mergeSorted(this.indexes.map((ndx) => ndx.entries()))) {
      if (!hiddenByWatermark(e, this.deletionWatermarkSeconds)) yield e;
    }
  }
}

interface Head {
  entry: IndexEntry;
  rest: Iterator<IndexEntry>;
}

/** Merges iterators each sorted by content ID into one, keeping the winner of each content ID. */
export function* mergeSorted(sources: Iterable<Iterator<IndexEntry>>): IterableIterator<IndexEntry> {
  const heap: Head[] = [];
  for (const rest of sources) {
    const first = rest.next();
    if (first.done !== true) push(heap, { entry: first.value, rest });
  }
  let pending: IndexEntry | undefined;
  while (heap.length > 0) {
    const head = heap[0];
    if (head === undefined) break;
    const e = head.entry;
    const next = head.rest.next();
    if (next.done === true) pop(heap);
    else {
      head.entry = next.value;
      siftDown(heap, 0);
    }
    if (pending === undefined) pending = e;
    else if (pending.contentId !== e.contentId) {
      yield pending;
      pending = e;
    } else if (entryWins(e, pending)) pending = e;
  }
  if (pending !== undefined) yield pending;
}

function less(a: Head, b: Head): boolean {
  return compareContentIds(a.entry.contentId, b.entry.contentId) < 0;
}

function at(heap: Head[], i: number): Head {
  const h = heap[i];
  if (h === undefined) throw new RangeError(`heap position ${i} out of range`);
  return h;
}

function swap(heap: Head[], i: number, j: number): void {
  const a = at(heap, i);
  heap[i] = at(heap, j);
  heap[j] = a;
}

function push(heap: Head[], h: Head): void {
  heap.push(h);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >>> 1;
    if (!less(at(heap, i), at(heap, parent))) break;
    swap(heap, i, parent);
    i = parent;
  }
}

function pop(heap: Head[]): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  heap[0] = last;
  siftDown(heap, 0);
}

function siftDown(heap: Head[], start: number): void {
  const n = heap.length;
  let i = start;
  for (;;) {
    const l = 2 * i + 1;
    let m = i;
    if (l < n && less(at(heap, l), at(heap, m))) m = l;
    if (l + 1 < n && less(at(heap, l + 1), at(heap, m))) m = l + 1;
    if (m === i) return;
    swap(heap, i, m);
    i = m;
  }
}
