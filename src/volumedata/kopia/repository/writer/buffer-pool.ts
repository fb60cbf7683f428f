/**
 * Buffers of one size used again: memory already faulted in is filled again instead of fresh
 * memory the kernel must map and zero for every chunk and pack (measured: that is most of a
 * snapshot's system time). A buffer is given back only when nothing refers to it any more.
 */
export class BufferPool {
  readonly size: number;
  private readonly keep: number;
  private readonly free: Buffer[] = [];

  /** Buffers of `size` bytes; at most `keep` are kept for reuse. */
  constructor(size: number, keep: number) {
    this.size = size;
    this.keep = keep;
  }

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives back a buffer from take() (a whole one, not a slice); others are left to the GC. */
  give(buf: Buffer): void {
    if (buf.length === this.size && buf.byteOffset === 0 && this.free.length < this.keep) this.free.push(buf);
  }
}
