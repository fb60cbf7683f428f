// A decoder for the S2 stream format kopia's s2-* compressors write (klauspost/compress/s2): the
// snappy framing format (stream identifier, compressed and uncompressed chunks with a masked
// CRC-32C of their data, skippable chunks) around S2 blocks (snappy's block format plus repeat
// copies). Every length and offset is checked before use; output never exceeds the caller's cap.
import { LifeboatError } from '../../../errors/index.ts';

const MAX_BLOCK_SIZE = 4 << 20;
const MAGIC_S2 = 'S2sTwO';
const MAGIC_SNAPPY = 'sNaPpY';

// CRC-32C tables for slicing by 8: table t maps a byte that is t bytes further from the end.
const CRC32C_TABLES = (() => {
  const table = new Int32Array(256 * 8);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[i] = c;
  }
  for (let t = 1; t < 8; t++) {
    for (let i = 0; i < 256; i++) {
      const p = table[(t - 1) * 256 + i] ?? 0;
      table[t * 256 + i] = (p >>> 8) ^ (table[p & 0xff] ?? 0);
    }
  }
  return table;
})();

/** The snappy framing format's masked CRC-32C (Castagnoli), 8 bytes a step. */
export function maskedCrc32c(data: Uint8Array): number {
  const t = CRC32C_TABLES;
  let c = -1;
  let i = 0;
  for (const end = data.length - 8; i <= end; i += 8) {
    const a =
      c ^
      ((data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24));
    c =
      (t[1792 + (a & 0xff)] ?? 0) ^
      (t[1536 + ((a >>> 8) & 0xff)] ?? 0) ^
      (t[1280 + ((a >>> 16) & 0xff)] ?? 0) ^
      (t[1024 + (a >>> 24)] ?? 0) ^
      (t[768 + (data[i + 4] ?? 0)] ?? 0) ^
      (t[512 + (data[i + 5] ?? 0)] ?? 0) ^
      (t[256 + (data[i + 6] ?? 0)] ?? 0) ^
      (t[data[i + 7] ?? 0] ?? 0);
  }
  for (; i < data.length; i++) c = (t[(c ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  const crc = (c ^ -1) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

function corrupt(what: string): LifeboatError {
  return new LifeboatError('CORRUPT', `s2 data is malformed: ${what}.`, {
    hint: 'The stored data is damaged: check the storage it was read from, then run `lifeboat repo verify`.',
  });
}

function uvarint(src: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const b = src[at + i];
    if (b === undefined) break;
    value += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return { value, next: at + i + 1 };
  }
  throw corrupt('bad block length');
}

function le(src: Uint8Array, at: number, bytes: number): number {
  if (at + bytes > src.length) throw corrupt('element runs past the block');
  let v = 0;
  for (let i = bytes - 1; i >= 0; i--) v = v * 256 + (src[at + i] ?? 0);
  return v;
}

/** Copies `length` bytes from `offset` back, overlapping copies included, in doubling steps. */
function copyBack(dst: Buffer, d: number, offset: number, length: number): void {
  const from = d - offset;
  let done = 0;
  while (done < length) {
    const n = Math.min(length - done, d + done - from);
    dst.copyWithin(d + done, from, from + n);
    done += n;
  }
}

/** Decodes one S2 block (header: uvarint decoded length) whose decoded length is at most `cap`. */
export function decodeS2Block(src: Uint8Array, cap: number): Buffer {
  const header = uvarint(src, 0);
  if (header.value > cap) throw corrupt(`block of ${header.value} bytes exceeds ${cap}`);
  const dst = Buffer.allocUnsafe(header.value);
  let s = header.next;
  let d = 0;
  let offset = 0;
  while (s < src.length) {
    const tag = src[s] ?? 0;
    let length: number;
    switch (tag & 3) {
      case 0: {
        const x = tag >> 2;
        const extra = x < 60 ? 0 : x - 59;
        length = (extra === 0 ? x : le(src, s + 1, extra)) + 1;
        s += 1 + extra;
        if (length > dst.length - d || length > src.length - s) throw corrupt('literal runs past its end');
        dst.set(src.subarray(s, s + length), d);
        d += length;
        s += length;
        continue;
      }
      case 1: {
        const at = le(src, s, 2);
        const toffset = ((tag & 0xe0) << 3) | (at >> 8);
        length = (tag >> 2) & 7;
        s += 2;
        if (toffset === 0) {
          // A repeat: the previous offset again, with a longer length encoding.
          if (length >= 5) {
            const bytes = length - 4;
            length = le(src, s, bytes) + (bytes === 1 ? 4 : bytes === 2 ? 1 << 8 : 1 << 16);
            s += bytes;
          }
        } else {
          offset = toffset;
        }
        length += 4;
        break;
      }
      case 2:
        offset = le(src, s + 1, 2);
        length = 1 + (tag >> 2);
        s += 3;
        break;
      default:
        offset = le(src, s + 1, 4);
        length = 1 + (tag >> 2);
        s += 5;
    }
    if (offset <= 0 || d < offset || length > dst.length - d) throw corrupt('copy outside the block');
    copyBack(dst, d, offset, length);
    d += length;
  }
  if (d !== dst.length) throw corrupt('block shorter than its header says');
  return dst;
}

/** Decodes an S2 (or snappy-framed) stream into at most maxLength bytes. */
export function decodeS2Stream(stream: Buffer, maxLength: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let at = 0;
  let identified = false;
  while (at < stream.length) {
    if (stream.length - at < 4) throw corrupt('truncated chunk header');
    const type = stream[at] ?? 0;
    const length = le(stream, at + 1, 3);
    const body = stream.subarray(at + 4, at + 4 + length);
    if (body.length !== length) throw corrupt('truncated chunk');
    at += 4 + length;
    if (type === 0xff) {
      const magic = body.toString('latin1');
      if (magic !== MAGIC_S2 && magic !== MAGIC_SNAPPY) throw corrupt('unknown stream identifier');
      identified = true;
      continue;
    }
    if (!identified) throw corrupt('no stream identifier');
    if (type >= 0x80) continue; // skippable: padding, index, future use
    if (type > 0x01) throw corrupt(`reserved chunk type 0x${type.toString(16)}`);
    if (length < 4) throw corrupt('chunk too short for its checksum');
    const room = Math.min(MAX_BLOCK_SIZE, maxLength - total);
    const data = body.subarray(4);
    let decoded: Buffer;
    if (type === 0x00) {
      decoded = decodeS2Block(data, room);
    } else {
      if (data.length > room) throw corrupt(`uncompressed chunk of ${data.length} bytes exceeds ${room}`);
      decoded = data;
    }
    if (maskedCrc32c(decoded) !== body.readUInt32LE(0)) throw corrupt('chunk checksum mismatch');
    parts.push(decoded);
    total += decoded.length;
  }
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, total);
}
