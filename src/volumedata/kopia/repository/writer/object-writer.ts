import { encodeIndirect, indirectEntries } from '../../object/indirect.ts';
import { directObjectId, indirectObjectId, type ObjectId } from '../../object/object-id.ts';
import { createSplitter, type Splitter } from '../../object/splitter.ts';
import type { BufferPool } from './buffer-pool.ts';
import type { ContentWriter } from './content-writer.ts';

/** Reads up to length bytes into buf at offset; 0 at the end. */
export type ByteSource = (buf: Buffer, offset: number, length: number) => Promise<number>;

/** Bytes read at once past a chunk's minimum size (below it, all the bytes up to it are read at once). */
const READ_BLOCK = 1 << 20;

/** The prefix kopia forces on the list of an unprefixed indirect object, so it lands in `q` packs. */
export const INDIRECT_PREFIX = 'x';

export interface ObjectWriterOptions {
  /** The repository's splitter (kopia's format `splitter`). */
  splitter: string;
  /** '' for file data, `k` for directories. */
  prefix?: string;
  /** Content compression for the object's chunks (none for file data). */
  compressor?: string;
  /** Compression of the indirect list (kopia's metadata compression, zstd-fastest). */
  metadataCompressor?: string;
  /** Chunk writes in flight while the next chunk is read (kopia's AsyncWrites). */
  asyncWrites?: number;
}

/**
 * One object written as kopia's objectWriter does: the byte stream is cut by the splitter into
 * contents; one content is the object, several are listed by an indirect object
 * (`{"stream":"kopia:indirect",…}`, prefix `x` for data) whose ID gets an `I`.
 */
export class ObjectWriter {
  private readonly contents: ContentWriter;
  private readonly options: ObjectWriterOptions;
  private readonly splitter: Splitter;
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private readonly chunks: Array<{ length: number; object: ObjectId | undefined }> = [];
  private readonly inFlight: Array<Promise<void>> = [];
  private failure: Error | undefined;

  constructor(contents: ContentWriter, options: ObjectWriterOptions) {
    this.contents = contents;
    this.options = options;
    this.splitter = createSplitter(options.splitter);
  }

  /** Feeds bytes; the caller must not change data afterwards (it is kept until its chunk is written). */
  async write(data: Buffer): Promise<void> {
    let rest = data;
    while (rest.length > 0) {
      const n = this.splitter.nextSplitPoint(rest);
      if (n < 0) {
        this.pieces.push(rest);
        this.pieceBytes += rest.length;
        break;
      }
      this.pieces.push(rest.subarray(0, n));
      this.pieceBytes += n;
      rest = rest.subarray(n);
      await this.flushPieces();
    }
  }

  /**
   * Reads the whole of source into chunk buffers from pool (each at least the splitter's maximum
   * segment): a chunk is cut in place, only the bytes read past a cut are copied into the next
   * buffer, and a buffer goes back to the pool once its chunk is written. Returns the bytes read.
   */
  async readFrom(
    source: ByteSource,
    pool: BufferPool,
    options: {
      signal?: AbortSignal | undefined;
      onBytes?: ((n: number) => void) | undefined;
      /**
       * A read that gives fewer bytes than asked for is the end (a regular file's read on Linux):
       * a small file then costs one read instead of two.
       */
      shortReadEnds?: boolean;
    } = {},
  ): Promise<number> {
    if (pool.size < this.splitter.maxSegmentSize || this.pieceBytes > 0) {
      throw new Error('readFrom needs chunk buffers of the maximum segment size and a fresh object');
    }
    let buf = pool.take();
    let filled = 0;
    let total = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const want = Math.min(buf.length - filled, Math.max(READ_BLOCK, this.splitter.minSegmentSize - filled));
      const n = await source(buf, filled, want);
      if (n === 0) break;
      const ended = options.shortReadEnds === true && n < want;
      total += n;
      options.onBytes?.(n);
      let start = filled;
      filled += n;
      for (;;) {
        const cut = this.splitter.nextSplitPoint(buf.subarray(start, filled));
        if (cut < 0) break;
        const end = start + cut;
        // The next buffer is taken once a chunk write is free to start: a file holds at most
        // asyncWrites buffers being written and the one being filled.
        await this.settle((this.options.asyncWrites ?? 1) - 1);
        const next = pool.take();
        buf.copy(next, 0, end, filled);
        await this.flushChunk(buf.subarray(0, end), pool, buf);
        filled -= end;
        start = 0;
        buf = next;
      }
      if (ended) break;
    }
    if (filled > 0) await this.flushChunk(buf.subarray(0, filled), pool, buf);
    else pool.give(buf);
    return total;
  }

  private async flushPieces(): Promise<void> {
    const data =
      this.pieces.length === 1 && this.pieces[0] !== undefined
        ? this.pieces[0]
        : Buffer.concat(this.pieces, this.pieceBytes);
    this.pieces = [];
    this.pieceBytes = 0;
    await this.flushChunk(data);
  }

  /** Writes one chunk; `whole` (data's whole buffer) goes back to pool once the chunk is written. */
  private async flushChunk(data: Buffer, pool?: BufferPool, whole?: Buffer): Promise<void> {
    const chunk: { length: number; object: ObjectId | undefined } = {
      length: data.length,
      object: undefined,
    };
    this.chunks.push(chunk);
    const { prefix = '', compressor } = this.options;
    const work = this.contents.writeContent(data, prefix, compressor).then(
      (id) => {
        chunk.object = directObjectId(id);
        if (whole !== undefined) pool?.give(whole);
      },
      (err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      },
    );
    this.inFlight.push(work);
    await this.settle(this.options.asyncWrites ?? 1);
  }

  /** Waits until at most `max` chunk writes are under way; throws a failed write's error. */
  private async settle(max: number): Promise<void> {
    while (this.inFlight.length > max) await this.inFlight.shift();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Writes what is left and returns the object's ID (an empty object is one empty content). */
  async result(): Promise<ObjectId> {
    if (this.pieceBytes > 0 || this.chunks.length === 0) await this.flushPieces();
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    const chunks = this.chunks.map((c) => {
      if (c.object === undefined) throw new Error('chunk written without an object ID');
      return { length: c.length, object: c.object };
    });
    const only = chunks[0];
    if (chunks.length === 1 && only !== undefined) return only.object;
    const list = new ObjectWriter(this.contents, {
      splitter: this.options.splitter,
      prefix:
        this.options.prefix === undefined || this.options.prefix === ''
          ? INDIRECT_PREFIX
          : this.options.prefix,
      compressor: this.options.metadataCompressor,
      metadataCompressor: this.options.metadataCompressor,
    });
    await list.write(encodeIndirect(indirectEntries(chunks)));
    return indirectObjectId(await list.result());
  }
}

/** Writes a whole buffer as one object. */
export async function writeObject(
  contents: ContentWriter,
  data: Buffer,
  options: ObjectWriterOptions,
): Promise<ObjectId> {
  const w = new ObjectWriter(contents, options);
  await w.write(data);
  return w.result();
}
