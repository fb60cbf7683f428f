import { LifeboatError } from '../../../errors/index.ts';
import { BUZHASH_TABLE } from './buzhash-table.ts';

/** The table as signed 32-bit values: V8 keeps them small integers (a uint32 above 2^31 is a double). */
const TABLE = new Int32Array(BUZHASH_TABLE.buffer, BUZHASH_TABLE.byteOffset, BUZHASH_TABLE.length);

/**
 * kopia's splitters (repo/splitter): where an object's byte stream is cut into contents. The
 * dynamic ones are content-defined (buzhash32 over a 64-byte window, a cut where the hash's low
 * bits are zero), so the same data cuts at the same places whoever writes it, which is what makes
 * lifeboat's contents dedup against Velero's. A reader never needs a splitter.
 */
export interface Splitter {
  /** The name kopia registers it under, e.g. DYNAMIC-4M-BUZHASH. */
  readonly name: string;
  /** No segment is shorter (except an object's last one). */
  readonly minSegmentSize: number;
  /** No segment is longer. */
  readonly maxSegmentSize: number;
  /**
   * kopia's NextSplitPoint: n in 1..data.length when the current segment ends after data[n-1]
   * (n bytes consumed, the next segment starts at data[n]); -1 when none does and every byte was
   * consumed. Feed the rest of the chunk again after a split.
   */
  nextSplitPoint(data: Uint8Array): number;
  /** Starts a new object: forgets the bytes seen. */
  reset(): void;
}

const KIB = 1024;
const MIB = 1024 * KIB;
const WINDOW = 64;
const SIZES: ReadonlyArray<[string, number]> = [
  ['128K', 128 * KIB],
  ['256K', 256 * KIB],
  ['512K', 512 * KIB],
  ['1M', MIB],
  ['2M', 2 * MIB],
  ['4M', 4 * MIB],
  ['8M', 8 * MIB],
];

/** The splitter kopia (and so Velero) uses for new repositories. */
export const DEFAULT_SPLITTER = 'DYNAMIC-4M-BUZHASH';

/** Every name kopia v0.22.3 registers, sorted; the RABINKARP ones cannot be created here. */
export const SPLITTER_NAMES: readonly string[] = [
  'DYNAMIC',
  'FIXED',
  ...SIZES.flatMap(([label]) => [`DYNAMIC-${label}-BUZHASH`, `DYNAMIC-${label}-RABINKARP`, `FIXED-${label}`]),
].sort();

/** A new splitter by kopia's name; UNSUPPORTED for names kopia does not register and for RABINKARP. */
export function createSplitter(name: string): Splitter {
  if (name === 'FIXED') return new FixedSplitter(name, 4 * MIB);
  if (name === 'DYNAMIC') return new BuzhashSplitter(name, 4 * MIB);
  for (const [label, size] of SIZES) {
    if (name === `FIXED-${label}`) return new FixedSplitter(name, size);
    if (name === `DYNAMIC-${label}-BUZHASH`) return new BuzhashSplitter(name, size);
    if (name === `DYNAMIC-${label}-RABINKARP`) {
      throw new LifeboatError('UNSUPPORTED', `splitter ${name} is not supported for writing`, {
        hint: `Write into a repository whose splitter is ${DEFAULT_SPLITTER} or a FIXED or BUZHASH one; reading it needs no splitter.`,
      });
    }
  }
  throw new LifeboatError('UNSUPPORTED', `unknown splitter ${JSON.stringify(name)}`, {
    hint: `Use one of kopia's splitters: ${SPLITTER_NAMES.join(', ')}.`,
  });
}

/** Every segment is exactly `size` bytes. */
class FixedSplitter implements Splitter {
  readonly name: string;
  private readonly size: number;
  private current = 0;

  constructor(name: string, size: number) {
    this.name = name;
    this.size = size;
  }

  get minSegmentSize(): number {
    return this.size;
  }

  get maxSegmentSize(): number {
    return this.size;
  }

  nextSplitPoint(data: Uint8Array): number {
    const needed = this.size - this.current;
    if (data.length < needed) {
      this.current += data.length;
      return -1;
    }
    this.current = 0;
    return needed;
  }

  reset(): void {
    this.current = 0;
  }
}

/** The hash of a window of 64 zero bytes, where every object starts. */
const ZERO_WINDOW_SUM = (() => {
  let sum = 0;
  for (let i = 0; i < WINDOW; i++) sum = ((sum << 1) | (sum >>> 31)) ^ (TABLE[0] ?? 0);
  return sum;
})();

/**
 * kopia's buzhash32 splitter: mask = average − 1, minimum = average / 2, maximum = 2 × average.
 * The window is 64 bytes, so a leaving byte's table value has been rotated 64 ≡ 0 times and
 * leaves unrotated. Bytes before the minimum are only rolled in as far as the window needs.
 */
class BuzhashSplitter implements Splitter {
  readonly name: string;
  readonly minSegmentSize: number;
  readonly maxSegmentSize: number;
  private readonly mask: number;
  /** The last 64 bytes rolled in, circular; `oldest` is where the next leaving byte is. */
  private readonly window = new Uint8Array(WINDOW);
  private oldest = 0;
  private sum = ZERO_WINDOW_SUM;
  private count = 0;

  constructor(name: string, average: number) {
    this.name = name;
    this.mask = average - 1;
    this.minSegmentSize = average / 2;
    this.maxSegmentSize = average * 2;
  }

  reset(): void {
    this.window.fill(0);
    this.oldest = 0;
    this.sum = ZERO_WINDOW_SUM;
    this.count = 0;
  }

  nextSplitPoint(data: Uint8Array): number {
    let consumed = 0;
    const beforeMin = this.minSegmentSize - this.count - 1;
    if (beforeMin > 0) {
      consumed = Math.min(beforeMin, data.length);
      this.roll(data, Math.max(consumed - WINDOW, 0), consumed, false);
      this.count += consumed;
    }
    const beforeMax = this.maxSegmentSize - this.count;
    if (beforeMax > 0) {
      const end = consumed + Math.min(beforeMax, data.length - consumed);
      const cut = this.roll(data, consumed, end, true);
      if (cut >= 0) {
        this.count = 0;
        return cut;
      }
      this.count += end - consumed;
      consumed = end;
    }
    if (this.count >= this.maxSegmentSize) {
      this.count = 0;
      return consumed;
    }
    return -1;
  }

  /**
   * Rolls data[from..to) in; with `check`, stops after the first byte that leaves the hash's
   * masked bits zero and returns the offset after it (else -1).
   */
  private roll(data: Uint8Array, from: number, to: number, check: boolean): number {
    const table = TABLE;
    const window = this.window;
    const mask = this.mask;
    const oldest = this.oldest;
    let sum = this.sum;
    let i = from;
    let cut = -1;
    // The first 64 bytes push out the window's bytes; later ones push out data[i - 64].
    const head = Math.min(to, from + WINDOW);
    for (; i < head; i++) {
      const out = window[(oldest + i - from) & (WINDOW - 1)] as number;
      sum = ((sum << 1) | (sum >>> 31)) ^ (table[out] as number) ^ (table[data[i] as number] as number);
      if (check && (sum & mask) === 0) {
        cut = ++i;
        break;
      }
    }
    if (cut < 0) {
      for (; i < to; i++) {
        sum =
          ((sum << 1) | (sum >>> 31)) ^
          (table[data[i - WINDOW] as number] as number) ^
          (table[data[i] as number] as number);
        if (check && (sum & mask) === 0) {
          cut = ++i;
          break;
        }
      }
    }
    this.sum = sum;
    this.keepWindow(data, from, i);
    return cut;
  }

  /** Records data[from..to) as the newest bytes of the window. */
  private keepWindow(data: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n >= WINDOW) {
      this.window.set(data.subarray(to - WINDOW, to));
      this.oldest = 0;
      return;
    }
    for (let k = 0; k < n; k++) this.window[(this.oldest + k) & (WINDOW - 1)] = data[from + k] as number;
    this.oldest = (this.oldest + n) & (WINDOW - 1);
  }
}
