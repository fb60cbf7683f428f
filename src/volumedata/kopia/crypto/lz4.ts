// A decoder for the LZ4 frames kopia's deprecated "lz4" compressor writes (pierrec/lz4 v2): frames
// (magic, descriptor with independent blocks, optional content size, header checksum), blocks of
// at most the declared maximum size (high bit of the size: stored), end mark, optional content
// checksum; skippable frames are skipped. The xxHash32 checksums are skipped, not verified: the
// content's own hash, checked after decompression, covers the same bytes. Every length and offset
// is checked before use; output never exceeds the caller's cap.
import { LifeboatError } from '../../../errors/index.ts';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_HIGH = 0x184d2a;
const STORED_FLAG = 0x80000000;

function corrupt(what: string): LifeboatError {
  return new LifeboatError('CORRUPT', `lz4 data is malformed: ${what}.`, {
    hint: 'The stored data is damaged: check the storage it was read from, then run `lifeboat repo verify`.',
  });
}

class Cursor {
  at = 0;
  readonly src: Buffer;

  constructor(src: Buffer) {
    this.src = src;
  }

  take(n: number): Buffer {
    if (n > this.src.length - this.at) throw corrupt('truncated stream');
    const out = this.src.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  u32(): number {
    return this.take(4).readUInt32LE(0);
  }
}

/** LZ4's length extension: while the next byte is 255, keep adding. */
function extendLength(src: Uint8Array, at: number, base: number): { length: number; next: number } {
  let length = base;
  let s = at;
  for (;;) {
    const b = src[s++];
    if (b === undefined) throw corrupt('length runs past the block');
    length += b;
    if (b !== 255) return { length, next: s };
  }
}

/** Decodes one LZ4 block into dst; returns the number of bytes written. */
export function decodeLz4Block(src: Uint8Array, dst: Buffer): number {
  let s = 0;
  let d = 0;
  while (s < src.length) {
    const token = src[s++] ?? 0;
    let literals = token >> 4;
    if (literals === 15) ({ length: literals, next: s } = extendLength(src, s, 15));
    if (literals > src.length - s || literals > dst.length - d) throw corrupt('literal runs past its end');
    dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === src.length) return d; // the last sequence has literals only
    if (s + 2 > src.length) throw corrupt('truncated match offset');
    const offset = (src[s] ?? 0) | ((src[s + 1] ?? 0) << 8);
    s += 2;
    let length = token & 15;
    if (length === 15) ({ length, next: s } = extendLength(src, s, 15));
    length += 4;
    if (offset === 0 || offset > d || length > dst.length - d) throw corrupt('match outside the block');
    const from = d - offset;
    for (let done = 0; done < length;) {
      const n = Math.min(length - done, d + done - from);
      dst.copyWithin(d + done, from, from + n);
      done += n;
    }
    d += length;
  }
  return d;
}

interface FrameHeader {
  blockMax: number;
  blockChecksum: boolean;
  contentChecksum: boolean;
}

function readFrameHeader(c: Cursor): FrameHeader {
  const [flg = 0, bd = 0] = c.take(2);
  if (flg >> 6 !== 1) throw corrupt(`frame version ${flg >> 6}`);
  if (((flg >> 5) & 1) === 0) throw corrupt('dependent blocks are not supported');
  const sizeId = (bd >> 4) & 7;
  if (sizeId < 4) throw corrupt(`block size ID ${sizeId}`);
  if ((flg >> 3) & 1) c.take(8); // content size
  c.take(1); // header checksum
  return {
    blockMax: 1 << (8 + 2 * sizeId),
    blockChecksum: ((flg >> 4) & 1) === 1,
    contentChecksum: ((flg >> 2) & 1) === 1,
  };
}

function readFrameBlocks(
  c: Cursor,
  header: FrameHeader,
  maxLength: number,
  parts: Buffer[],
  total: number,
): number {
  for (;;) {
    const size = c.u32();
    if (size === 0) break;
    const stored = size >= STORED_FLAG;
    const length = stored ? size - STORED_FLAG : size;
    if (length > header.blockMax) throw corrupt(`block of ${length} bytes exceeds ${header.blockMax}`);
    const data = c.take(length);
    if (header.blockChecksum) c.take(4);
    const room = Math.min(header.blockMax, maxLength - total);
    let block: Buffer;
    if (stored) {
      if (length > room) throw corrupt(`output exceeds ${maxLength} bytes`);
      block = data;
    } else {
      const dst = Buffer.allocUnsafe(room);
      const n = decodeLz4Block(data, dst);
      block = dst.subarray(0, n);
    }
    parts.push(block);
    total += block.length;
  }
  if (header.contentChecksum) c.take(4);
  return total;
}

/** Decodes an LZ4 frame stream (pierrec/lz4 v2's writer) into at most maxLength bytes. */
export function decodeLz4Stream(stream: Buffer, maxLength: number): Buffer {
  const c = new Cursor(stream);
  const parts: Buffer[] = [];
  let total = 0;
  while (c.at < stream.length) {
    const magic = c.u32();
    if (magic >>> 8 === SKIPPABLE_MAGIC_HIGH) {
      c.take(c.u32());
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt('bad frame magic');
    total = readFrameBlocks(c, readFrameHeader(c), maxLength, parts, total);
  }
  return Buffer.concat(parts, total);
}
