import { Transform, type TransformCallback } from 'node:stream';
import { archiveLimitExceeded, showBytes } from './limits.ts';

export interface MeterLimits {
  maxTotalBytes: number;
  maxExpansionRatio: number;
  expansionGraceBytes: number;
}

/**
 * Sits between gunzip and the tar parser: counts the uncompressed bytes per chunk (never per byte)
 * against the total cap and the expansion ratio (uncompressed / compressed bytes consumed so far),
 * so a bomb is stopped as it inflates; remembers the last 1 KiB to check the end-of-archive blocks.
 */
export class TarMeter extends Transform {
  #total = 0;
  #tail = Buffer.alloc(0);
  readonly #limits: MeterLimits;
  readonly #compressed: () => number;
  readonly #entry: () => string;

  /** `compressed` reports the compressed bytes consumed so far; `entry` names the entry being read. */
  constructor(limits: MeterLimits, compressed: () => number, entry: () => string) {
    super();
    this.#limits = limits;
    this.#compressed = compressed;
    this.#entry = entry;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#total += chunk.length;
    const refused = this.#check();
    if (refused) {
      callback(refused);
      return;
    }
    this.#tail =
      chunk.length >= 1024
        ? Buffer.from(chunk.subarray(-1024))
        : Buffer.concat([this.#tail, chunk]).subarray(-1024);
    callback(null, chunk);
  }

  #check(): Error | undefined {
    const { maxTotalBytes, maxExpansionRatio, expansionGraceBytes } = this.#limits;
    const total = this.#total;
    if (total > maxTotalBytes) {
      const entry = this.#entry();
      return archiveLimitExceeded(
        'maxTotalBytes',
        entry,
        `backup archive expands to more than ${showBytes(maxTotalBytes)} (near entry ${entry})`,
        { actual: total, max: maxTotalBytes },
      );
    }
    if (total <= expansionGraceBytes) return undefined;
    const compressed = Math.max(1, this.#compressed());
    if (total <= maxExpansionRatio * compressed) return undefined;
    const entry = this.#entry();
    const ratio = Math.floor(total / compressed);
    return archiveLimitExceeded(
      'maxExpansionRatio',
      entry,
      `backup archive expands ${ratio} times, more than the limit of ${maxExpansionRatio} (${showBytes(total)} from ${showBytes(compressed)} of gzip, near entry ${entry})`,
      { actual: ratio, max: maxExpansionRatio },
    );
  }

  /** A tar ends with at least two 512-byte zero blocks. */
  endsWithTrailer(): boolean {
    return this.#tail.length === 1024 && this.#tail.every((b) => b === 0);
  }
}
