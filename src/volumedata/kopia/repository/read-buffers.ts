// Buffers that pack range reads land in, used again once their contents are written out: a restore
// of gigabytes reads every byte into memory already faulted in, instead of fresh buffers the kernel
// maps and zeroes and the GC later frees (measured: page faults and GC were a third of its CPU).

/** Reads below this are left to Node's own small-buffer allocation. */
const MIN_POOLED = 4 << 10;
/** Reads above this get a buffer of their own (no content kopia writes is larger than 8 MiB + a header). */
const MAX_POOLED = 16 << 20;
/**
 * Free bytes kept for reuse by default; buffers in use are the callers' and not counted. Measured
 * on a restore of 512 MiB in 4 files: 48 MiB, and reusing buffers up to twice the length, kept
 * 30-50 MB more resident than fresh buffers; 24 MiB and a quarter more kept the same peak.
 */
export const DEFAULT_FREE_READ_BYTES = 24 << 20;

/** A new buffer's size: the length rounded up to an eighth of its power of two (≤ 12.5 % unused). */
export function readBufferSize(length: number): number {
  if (length <= 16 << 10) return 16 << 10;
  const eighth = 2 ** Math.floor(Math.log2(length - 1)) / 8;
  return Math.ceil(length / eighth) * eighth;
}

/**
 * A bounded set of reusable read buffers. `take` lends a view of exactly the length asked for, cut
 * from the smallest free buffer that holds it with at most a quarter more unused (else a new one);
 * `give` takes back a view `take` lent (once: a second give, or a view of memory not lent here, is
 * ignored) and keeps its memory while the free bytes stay within the bound. A view never given back
 * is left to the GC: nothing grows without bound, only reuse is lost.
 */
export class ReadBuffers {
  /** Free buffers, by size ascending. */
  private readonly free: Buffer[] = [];
  private readonly lent = new WeakSet<ArrayBuffer>();
  private freeBytes = 0;
  private readonly maxFreeBytes: number;

  constructor(maxFreeBytes = DEFAULT_FREE_READ_BYTES) {
    this.maxFreeBytes = maxFreeBytes;
  }

  take(length: number): Buffer {
    if (length < MIN_POOLED || length > MAX_POOLED) return Buffer.allocUnsafe(length);
    const at = this.firstHolding(length);
    const found = this.free[at];
    let whole: Buffer;
    if (found !== undefined && found.length <= length + (length >>> 2)) {
      this.free.splice(at, 1);
      this.freeBytes -= found.length;
      whole = found;
    } else {
      whole = Buffer.allocUnsafeSlow(readBufferSize(length));
    }
    if (whole.buffer instanceof ArrayBuffer) this.lent.add(whole.buffer);
    return whole.subarray(0, length);
  }

  /**
   * Counts memory handed back by a worker thread as lent here, so that a view of it can be given
   * back: a buffer `take` lent comes back from the worker as a new ArrayBuffer of the same memory
   * (or of the worker's own, also this thread's alone once transferred). Only memory no one else
   * refers to may be adopted; sizes `take` would not pool are left to the GC.
   */
  adopt(memory: ArrayBuffer): void {
    if (memory.byteLength >= MIN_POOLED && memory.byteLength <= readBufferSize(MAX_POOLED))
      this.lent.add(memory);
  }

  /** Gives back a view `take` lent (or of adopted memory); its bytes may be overwritten by the next `take`. */
  give(view: Buffer): void {
    const memory = view.buffer;
    if (!(memory instanceof ArrayBuffer) || !this.lent.has(memory)) return;
    this.lent.delete(memory);
    const size = memory.byteLength;
    // 0: handed over to a worker thread (detached), nothing to keep.
    if (size === 0) return;
    const whole = Buffer.from(memory, 0, size);
    // Over the bound, the smallest free buffers make room (large reads are the costly ones).
    while (this.freeBytes + size > this.maxFreeBytes) {
      const smallest = this.free[0];
      if (smallest === undefined || smallest.length >= size) return;
      this.free.shift();
      this.freeBytes -= smallest.length;
    }
    this.free.splice(this.firstHolding(size), 0, whole);
    this.freeBytes += size;
  }

  /** The index of the first free buffer of at least length bytes (free.length when none). */
  private firstHolding(length: number): number {
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.free[mid]?.length ?? 0) < length) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
