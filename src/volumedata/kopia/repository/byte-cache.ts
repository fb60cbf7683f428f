// A byte-bounded LRU of buffers whose loads are shared while under way: what the content reader
// keeps of metadata contents and of whole metadata packs.

export class ByteCache {
  readonly #kept = new Map<string, Buffer>();
  readonly #loading = new Map<string, Promise<Buffer>>();
  #bytes = 0;
  readonly #limit: number;
  readonly #largest: number;

  /** Keeps at most `limit` bytes, and no buffer larger than `largest`. */
  constructor(limit: number, largest: number) {
    this.#limit = limit;
    this.#largest = largest;
  }

  /** The buffer kept for key (now the most recently used) or its load under way; else undefined. */
  find(key: string): Buffer | Promise<Buffer> | undefined {
    const kept = this.#kept.get(key);
    if (kept === undefined) return this.#loading.get(key);
    this.#kept.delete(key);
    this.#kept.set(key, kept);
    return kept;
  }

  /** Loads key (once find has found nothing), shared by every caller finding it meanwhile; keeps it if it fits. */
  async load(key: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const loading = load();
    this.#loading.set(key, loading);
    try {
      const data = await loading;
      this.#keep(key, data);
      return data;
    } finally {
      this.#loading.delete(key);
    }
  }

  /** Drops every buffer kept (loads under way go on). */
  clear(): void {
    this.#kept.clear();
    this.#bytes = 0;
  }

  #keep(key: string, data: Buffer): void {
    if (data.length > this.#largest) return;
    this.#kept.set(key, data);
    this.#bytes += data.length;
    for (const [old, bytes] of this.#kept) {
      if (this.#bytes <= this.#limit) break;
      this.#kept.delete(old);
      this.#bytes -= bytes.length;
    }
  }
}
