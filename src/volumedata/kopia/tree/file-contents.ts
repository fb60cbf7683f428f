import type { FileHandle } from 'node:fs/promises';

export interface WriteContentsOptions {
  /** Leave zero blocks unwritten so they become holes (the file must be new and truncated to its size after). */
  sparse: boolean;
  /** The hole granularity: zero runs aligned to this many bytes of file offset are skipped. */
  blockSize: number;
  onBytes?: (n: number) => void;
  signal?: AbortSignal;
}

export interface WrittenContents {
  /** Bytes the stream gave. */
  length: number;
  /** Of those, zero bytes left as holes. */
  holeBytes: number;
  /** The last bytes were left as a hole: the file needs a truncate to its size. */
  endsInHole: boolean;
}

const zeroBlocks = new Map<number, Buffer>();

function zeroBlock(size: number): Buffer {
  let block = zeroBlocks.get(size);
  if (block === undefined) {
    block = Buffer.alloc(size);
    zeroBlocks.set(size, block);
  }
  return block;
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError('file contents stream gave a chunk that is not bytes');
}

/**
 * Writes a stream's bytes into a new file from offset 0, one chunk at a time (memory is one chunk).
 * With `sparse`, every block-aligned piece that is all zeros is skipped instead of written, so a
 * truncate to the final size afterwards leaves it a hole.
 */
export async function writeContents(
  handle: FileHandle,
  chunks: AsyncIterable<unknown>,
  options: WriteContentsOptions,
): Promise<WrittenContents> {
  const { sparse, blockSize, onBytes, signal } = options;
  let position = 0;
  let holeBytes = 0;
  let endsInHole = false;
  for await (const raw of chunks) {
    signal?.throwIfAborted();
    const chunk = asBuffer(raw);
    if (!sparse) {
      await writeAll(handle, chunk, 0, chunk.length, position);
    } else {
      const skipped = await writeSparseChunk(handle, chunk, position, blockSize);
      holeBytes += skipped.bytes;
      if (chunk.length > 0) endsInHole = skipped.atEnd;
    }
    position += chunk.length;
    onBytes?.(chunk.length);
  }
  return { length: position, holeBytes, endsInHole };
}

/** The runs of a chunk at file offset position that are not whole zero blocks, and the zero bytes between them. */
interface DataRuns {
  /** [start, end) offsets into the chunk, in order. */
  runs: Array<[number, number]>;
  /** Zero bytes in block-aligned pieces, left out of the runs. */
  skipped: number;
  /** The chunk ends in skipped zeros (the file needs a truncate to its size). */
  atEnd: boolean;
}

/** Splits chunk (at file offset position) into what must be written and the zero blocks to leave as holes. */
function dataRuns(chunk: Buffer, position: number, blockSize: number): DataRuns {
  const zero = zeroBlock(blockSize);
  const runs: Array<[number, number]> = [];
  let skipped = 0;
  let runStart = 0;
  let at = 0;
  while (at < chunk.length) {
    const end = Math.min(chunk.length, at + blockSize - ((position + at) % blockSize));
    if (chunk.compare(zero, 0, end - at, at, end) === 0) {
      if (runStart < at) runs.push([runStart, at]);
      skipped += end - at;
      runStart = end;
    }
    at = end;
  }
  if (runStart < chunk.length) runs.push([runStart, chunk.length]);
  return { runs, skipped, atEnd: chunk.length > 0 && runStart === chunk.length };
}

/** Writes the non-zero block-aligned runs of chunk at position; returns the zero bytes skipped and whether the chunk ended in them. */
async function writeSparseChunk(
  handle: FileHandle,
  chunk: Buffer,
  position: number,
  blockSize: number,
): Promise<{ bytes: number; atEnd: boolean }> {
  const { runs, skipped, atEnd } = dataRuns(chunk, position, blockSize);
  for (const [start, end] of runs) await writeAll(handle, chunk, start, end, position + start);
  return { bytes: skipped, atEnd };
}

async function writeAll(
  handle: FileHandle,
  data: Buffer,
  start: number,
  end: number,
  position: number,
): Promise<void> {
  let at = start;
  while (at < end) {
    const { bytesWritten } = await handle.write(data, at, end - at, position + (at - start));
    at += bytesWritten;
  }
}
