/**
 * Buffers of one size used again: memory already faulted in is filled again instead of fresh
 * memory the kernel must map and zero for every chunk and pack (measured: that is most of a
 * snapshot's system time). A buffer is given back only when nothing refers to it any more.
 */
export class BufferPool {
  readonly size: number;
  private readonly keep: number;
  private readonly free: Buffer[] = [];

  private readonly shared: boolean;

  /**
   * Buffers of `size` bytes; at most `keep` are kept for reuse. Shared ones live in a
   * SharedArrayBuffer, which a worker thread reads without a copy.
   */
  constructor(size: number, keep: number, options: { shared?: boolean } = {}) {
    this.size = size;
    this.keep = keep;
    this.shared = options.shared === true;
  }

  take(): Buffer {
    const free = this.free.pop();
    if (free !== undefined) return free;
    return this.shared ? Buffer.from(new SharedArrayBuffer(this.size)) : Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives back a buffer from take() (a whole one, not a slice); others are left to the GC. */
  give(buf: Buffer): void {
    if (buf.length === this.size && buf.byteOffset === 0 && this.free.length < this.keep) this.free.push(buf);
  }
}
