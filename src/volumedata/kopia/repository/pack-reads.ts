// Reading many small contents as few range reads: the contents a restore is about to need (a
// directory's files) are grouped by pack in the order they will be asked for, neighbours of one pack
// read together, and the reads run ahead of the consumer within a byte window.
import type { IndexEntry } from '../index/index-entry.ts';

/**
 * Reads `length` bytes of a pack from `offset` (exactly: a short range rejects), into `into` when
 * given (the answer may be another buffer).
 */
export type PackRangeRead = (
  packBlobId: string,
  offset: number,
  length: number,
  into?: Buffer,
) => Promise<Buffer>;

/** Where range buffers come from and go back to (read-buffers.ts). */
export interface RangeBuffers {
  take(length: number): Buffer;
  give(view: Buffer): void;
}

/** A planned content's payload, lent: valid until release (once) lets its range's memory be reused. */
export interface LentPayload {
  readonly payload: Buffer;
  readonly release: () => void;
}

export interface PackReadOptions {
  /** Bytes read ahead of the consumer and not yet taken (default 16 MiB; one range is always allowed). */
  window?: number;
  /** Bytes of other data between two contents read in one range at most (default 256 KiB). */
  gap?: number;
  /** Bytes one range spans at most (default 4 MiB; a single larger content is its own range). */
  maxSpan?: number;
  /** Ranges are read into buffers from here, given back once every content of the range is released. */
  buffers?: RangeBuffers;
}

export const DEFAULT_PACK_READ_WINDOW = 16 << 20;
const DEFAULT_GAP = 256 << 10;
const DEFAULT_MAX_SPAN = 4 << 20;

interface PlannedRange {
  readonly packBlobId: string;
  readonly offset: number;
  length: number;
  /** Planned contents not yet taken. */
  left: number;
  /** Contents lent (takeLent) and not yet released. */
  lent: number;
  /** A content was taken for good (take): the range's memory is never given back. */
  kept: boolean;
  /** The buffer the range is read into, until it is given back. */
  into: Buffer | undefined;
  read: Promise<Buffer | undefined> | undefined;
}

interface Planned {
  readonly range: PlannedRange;
  readonly entry: IndexEntry;
}

/**
 * The payloads of a list of contents, read as coalesced ranges of their packs. Each content is
 * taken once (its payload is the caller's, to decrypt over); a content asked for again, or never
 * planned, is not served here. A range that fails to read serves nothing: the caller reads its
 * contents one by one, so an error names the content it concerns.
 */
export class PackReadPlan {
  private readonly ranges: PlannedRange[] = [];
  private readonly planned = new Map<string, Planned>();
  private readonly read: PackRangeRead;
  private readonly window: number;
  private readonly buffers: RangeBuffers | undefined;
  /** The first range not yet started. */
  private next = 0;
  /** Bytes of started ranges with contents not yet taken. */
  private outstanding = 0;

  constructor(read: PackRangeRead, entries: Iterable<IndexEntry>, options: PackReadOptions = {}) {
    this.read = read;
    this.window = options.window ?? DEFAULT_PACK_READ_WINDOW;
    this.buffers = options.buffers;
    const gap = options.gap ?? DEFAULT_GAP;
    const maxSpan = options.maxSpan ?? DEFAULT_MAX_SPAN;
    const open = new Map<string, PlannedRange>();
    for (const entry of entries) {
      if (this.planned.has(entry.contentId)) continue;
      const end = entry.packOffset + entry.packedLength;
      let range = open.get(entry.packBlobId);
      const rangeEnd = range === undefined ? 0 : range.offset + range.length;
      if (
        range === undefined ||
        entry.packOffset < rangeEnd ||
        entry.packOffset - rangeEnd > gap ||
        end - range.offset > maxSpan
      ) {
        range = {
          packBlobId: entry.packBlobId,
          offset: entry.packOffset,
          length: 0,
          left: 0,
          lent: 0,
          kept: false,
          into: undefined,
          read: undefined,
        };
        open.set(entry.packBlobId, range);
        this.ranges.push(range);
      }
      range.length = end - range.offset;
      range.left++;
      this.planned.set(entry.contentId, { range, entry });
    }
  }

  /** Ranges planned (for tests and statistics). */
  get rangeCount(): number {
    return this.ranges.length;
  }

  /**
   * The payload of a planned content at the position the index gives, kept by the caller for good,
   * or undefined when the content is not planned here (any more) or its range could not be read.
   */
  take(entry: IndexEntry): Promise<Buffer | undefined> | undefined {
    const range = this.claim(entry);
    if (range === undefined) return undefined;
    range.kept = true;
    const from = entry.packOffset - range.offset;
    return this.start(range).then((data) => data?.subarray(from, from + entry.packedLength));
  }

  /**
   * Like take, but the payload is lent: it lives in the range's buffer, which goes back to the
   * buffers once every content of the range has been released (release it when it is written out).
   */
  takeLent(entry: IndexEntry): Promise<LentPayload | undefined> | undefined {
    const range = this.claim(entry);
    if (range === undefined) return undefined;
    range.lent++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      range.lent--;
      this.giveBack(range);
    };
    const from = entry.packOffset - range.offset;
    return this.start(range).then((data) => {
      if (data !== undefined) return { payload: data.subarray(from, from + entry.packedLength), release };
      release();
      return undefined;
    });
  }

  /** The range of a planned content, which counts as taken from now on (undefined when not planned). */
  private claim(entry: IndexEntry): PlannedRange | undefined {
    const planned = this.planned.get(entry.contentId);
    if (
      planned === undefined ||
      planned.entry.packBlobId !== entry.packBlobId ||
      planned.entry.packOffset !== entry.packOffset ||
      planned.entry.packedLength !== entry.packedLength
    ) {
      return undefined;
    }
    this.planned.delete(entry.contentId);
    const { range } = planned;
    void this.start(range); // never rejects: a failed read serves undefined
    if (--range.left === 0) this.outstanding -= range.length;
    this.startAhead();
    return range;
  }

  /** Gives the range's buffer back once nothing refers to it: every content taken, none lent or kept. */
  private giveBack(range: PlannedRange): void {
    if (range.left > 0 || range.lent > 0 || range.kept || range.into === undefined) return;
    const { into } = range;
    range.into = undefined;
    void range.read?.then(() => this.buffers?.give(into));
  }

  /** Starts every range up to and including this one (the consumer is past them). */
  private start(range: PlannedRange): Promise<Buffer | undefined> {
    while (range.read === undefined) if (!this.startNext()) return Promise.resolve(undefined);
    return range.read;
  }

  /** Starts ranges after the last started one while they fit the window. */
  private startAhead(): void {
    for (;;) {
      const candidate = this.ranges[this.next];
      if (candidate === undefined || this.outstanding + candidate.length > this.window) return;
      this.startNext();
    }
  }

  private startNext(): boolean {
    const range = this.ranges[this.next];
    if (range === undefined) return false;
    this.next++;
    this.outstanding += range.length;
    range.into = this.buffers?.take(range.length);
    range.read = this.read(range.packBlobId, range.offset, range.length, range.into).then(
      (data) => (data.length === range.length ? data : undefined),
      () => undefined,
    );
    return true;
  }
}
