import { findFirstCompleteSet, goAtoi, type ListedBlob } from './complete-set.ts';

/**
 * kopia's epoch manager, read side (internal/epoch/epoch_manager.go GetCompleteIndexSet with
 * LatestEpoch) and the name a writer gives a new index blob. Index blobs live under:
 *   xe<epoch>               epoch markers: the write epoch is the highest one (0 when none)
 *   xn<epoch>_<hash>-<session>-c<N>   index blobs written in an epoch
 *   xs<epoch>_<hash>-s<set>-c<N>      single-epoch compactions, used once the epoch is settled
 *   xr<min>_<max>_<hash>-s<set>-c<N>  range checkpoints: compactions of epochs min..max
 *   xw<unix seconds>        deletion watermarks: deletion markers at or before the latest one are dropped
 * A reader loads the longest chain of complete range checkpoints from epoch 0, then for every later
 * epoch up to write epoch + 1 its complete single-epoch compaction when the epoch is settled (at least
 * two behind the write epoch), else every xn blob of that epoch.
 */
export const epochMarkerPrefix = 'xe';
export const uncompactedIndexPrefix = 'xn';
export const singleEpochCompactionPrefix = 'xs';
export const rangeCheckpointPrefix = 'xr';
export const deletionWatermarkPrefix = 'xw';
/** Every blob ID prefix the epoch manager reads. */
export const epochIndexPrefixes = [
  epochMarkerPrefix,
  uncompactedIndexPrefix,
  singleEpochCompactionPrefix,
  rangeCheckpointPrefix,
  deletionWatermarkPrefix,
] as const;

/** Epochs at most this far behind the write epoch are still written to; older ones are settled. */
const unsettledEpochs = 2;

/** The prefix of index blobs written in an epoch (`xn<epoch>_`). */
export function indexBlobPrefix(epoch: number): string {
  return `${uncompactedIndexPrefix}${epoch}_`;
}

/**
 * The ID of a new index blob, as kopia's WriteIndexBlobs names it: the epoch's prefix, the hex hash
 * of the blob's content (blob crypto's hash), then `-<sessionId>-c<shardCount>` (the shards one
 * flush writes form a complete set).
 */
export function indexBlobId(epoch: number, hashHex: string, sessionId: string, shardCount: number): string {
  return `${indexBlobPrefix(epoch)}${hashHex}-${sessionId}-c${shardCount}`;
}

export interface RangeCheckpoint {
  minEpoch: number;
  maxEpoch: number;
  blobs: ListedBlob[];
}

/** What the epoch blobs of a listing say (kopia's CurrentSnapshot). */
export interface EpochState {
  writeEpoch: number;
  /** Unix seconds of the latest deletion watermark; undefined when there is none. */
  deletionWatermarkSeconds: number | undefined;
  /** The longest chain of complete range checkpoints starting at epoch 0. */
  rangeCheckpoints: RangeCheckpoint[];
  /** The first complete single-epoch compaction of each epoch. */
  singleEpochCompactions: Map<number, ListedBlob[]>;
  /** Index blobs written in each epoch (`xn<epoch>_…`). */
  uncompacted: Map<number, ListedBlob[]>;
}

/** The index blobs a reader loads and the deletion watermark to apply. */
export interface IndexBlobSelection {
  blobs: ListedBlob[];
  deletionWatermarkSeconds: number | undefined;
  writeEpoch: number;
}

/** Reads the epoch state from a listing of (at least) every blob with an epoch prefix. */
export function epochState(listing: readonly ListedBlob[]): EpochState {
  const sorted = [...listing].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let writeEpoch = 0;
  let watermark: number | undefined;
  const compactions = new Map<number, ListedBlob[]>();
  const ranges = new Map<string, { min: number; max: number; blobs: ListedBlob[] }>();
  const uncompacted = new Map<number, ListedBlob[]>();
  for (const b of sorted) {
    if (b.id.startsWith(epochMarkerPrefix)) {
      const n = epochNumberFromBlobId(b.id);
      if (n !== undefined && n > writeEpoch) writeEpoch = n;
    } else if (b.id.startsWith(deletionWatermarkPrefix)) {
      const t = goAtoi(b.id.slice(deletionWatermarkPrefix.length));
      if (!Number.isNaN(t) && (watermark === undefined || t > watermark)) watermark = t;
    } else if (b.id.startsWith(singleEpochCompactionPrefix)) {
      const n = epochNumberFromBlobId(b.id);
      if (n !== undefined) push(compactions, n, b);
    } else if (b.id.startsWith(rangeCheckpointPrefix)) {
      const r = epochRangeFromBlobId(b.id);
      if (r !== undefined) {
        const key = `${r.min}_${r.max}`;
        const group = ranges.get(key) ?? { ...r, blobs: [] };
        group.blobs.push(b);
        ranges.set(key, group);
      }
    } else {
      const m = /^xn(0|[1-9][0-9]{0,14})_/.exec(b.id);
      if (m?.[1] !== undefined) push(uncompacted, Number(m[1]), b);
    }
  }
  const singleEpochCompactions = new Map<number, ListedBlob[]>();
  for (const [epoch, blobs] of compactions) {
    const set = findFirstCompleteSet(blobs);
    if (set !== undefined) singleEpochCompactions.set(epoch, set);
  }
  const completeRanges: RangeCheckpoint[] = [];
  for (const r of ranges.values()) {
    const set = findFirstCompleteSet(r.blobs);
    if (set !== undefined) completeRanges.push({ minEpoch: r.min, maxEpoch: r.max, blobs: set });
  }
  return {
    writeEpoch,
    deletionWatermarkSeconds: watermark,
    rangeCheckpoints: longestRangeCheckpoints(completeRanges),
    singleEpochCompactions,
    uncompacted,
  };
}

/** The index blobs kopia's reader loads from this listing (GetCompleteIndexSet(LatestEpoch)). */
export function selectEpochIndexBlobs(listing: readonly ListedBlob[]): IndexBlobSelection {
  const state = epochState(listing);
  const maxEpoch = state.writeEpoch + 1;
  const blobs: ListedBlob[] = [];
  let startEpoch = 0;
  for (const c of state.rangeCheckpoints) {
    if (c.maxEpoch > startEpoch) {
      blobs.push(...c.blobs);
      startEpoch = c.maxEpoch + 1;
    }
  }
  // A chain reaching past maxEpoch (kopia v0.22.3 panics on that listing) leaves no epoch to add.
  // Only epochs that have blobs contribute; walking those instead of every number keeps a hostile
  // epoch marker (xe999999999) from making this loop long.
  const epochs = [...new Set([...state.singleEpochCompactions.keys(), ...state.uncompacted.keys()])]
    .filter((e) => e >= startEpoch && e <= maxEpoch)
    .sort((a, b) => a - b);
  for (const epoch of epochs) {
    const settled = epoch <= state.writeEpoch - unsettledEpochs;
    const compaction = state.singleEpochCompactions.get(epoch);
    blobs.push(...(settled && compaction !== undefined ? compaction : (state.uncompacted.get(epoch) ?? [])));
  }
  return { blobs, deletionWatermarkSeconds: state.deletionWatermarkSeconds, writeEpoch: state.writeEpoch };
}

/** kopia's epochNumberFromBlobID: the part before the first `_`, leading non-digits dropped, as Atoi. */
export function epochNumberFromBlobId(blobId: string): number | undefined {
  const head = blobId.split('_', 1)[0] ?? '';
  const n = goAtoi(head.replace(/^[^0-9]*/, ''));
  return Number.isNaN(n) ? undefined : n;
}

/** kopia's epochRangeFromBlobID: `xr<min>_<max>_…`. */
export function epochRangeFromBlobId(blobId: string): { min: number; max: number } | undefined {
  const parts = blobId.split('_');
  if (parts.length < 3) return undefined;
  const min = goAtoi((parts[0] ?? '').replace(/^[^0-9]*/, ''));
  const max = goAtoi(parts[1] ?? '');
  return Number.isNaN(min) || Number.isNaN(max) ? undefined : { min, max };
}

/**
 * kopia's findLongestRangeCheckpoint: from epoch 0, the chain of adjacent checkpoints reaching the
 * highest epoch, the shorter chain on a tie; a chain must reach past epoch 0. Computed bottom-up
 * (latest start first) so a long hostile chain cannot overflow the stack; checkpoints whose max is
 * below their min (on which kopia would recurse forever) are ignored.
 */
export function longestRangeCheckpoints(ranges: readonly RangeCheckpoint[]): RangeCheckpoint[] {
  const byMin = new Map<number, RangeCheckpoint[]>();
  for (const r of [...ranges].sort((a, b) => a.minEpoch - b.minEpoch || a.maxEpoch - b.maxEpoch)) {
    if (r.maxEpoch >= r.minEpoch) push(byMin, r.minEpoch, r);
  }
  interface Best {
    reach: number;
    length: number;
    head: RangeCheckpoint | undefined;
  }
  const best = new Map<number, Best>();
  const bestFrom = (start: number): Best => best.get(start) ?? { reach: 0, length: 0, head: undefined };
  for (const start of [...byMin.keys()].sort((a, b) => b - a)) {
    let chosen: Best = { reach: 0, length: 0, head: undefined };
    for (const cp of byMin.get(start) ?? []) {
      const rest = bestFrom(cp.maxEpoch + 1);
      const reach = rest.head === undefined ? cp.maxEpoch : rest.reach;
      const length = 1 + rest.length;
      if (reach > chosen.reach || (reach === chosen.reach && length < chosen.length))
        chosen = { reach, length, head: cp };
    }
    best.set(start, chosen);
  }
  const chain: RangeCheckpoint[] = [];
  for (let b = bestFrom(0); b.head !== undefined; b = bestFrom(b.head.maxEpoch + 1)) chain.push(b.head);
  return chain;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
