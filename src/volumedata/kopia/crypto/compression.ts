// kopia's compressors (repo/compression, v0.22.3): compressed data is a 4-byte big-endian header
// ID followed by the compressor's stream. The zstd family writes zstd frames, the gzip and pgzip
// families gzip members, the deflate family raw deflate (no zlib or gzip wrapper). lifeboat reads
// and writes those three with Node's zlib, and reads s2 and lz4 streams with decoders of its own
// (s2.ts, lz4.ts).
import {
  constants,
  deflateRawSync,
  gunzipSync,
  gzipSync,
  inflateRawSync,
  zstdCompressSync,
  zstdDecompressSync,
} from 'node:zlib';
import { LifeboatError } from '../../../errors/index.ts';
import { decodeLz4Stream } from './lz4.ts';
import { decodeS2Stream } from './s2.ts';

/** Bytes of the header ID in front of every compressed stream. */
export const COMPRESSION_HEADER_SIZE = 4;

type Family = 'zstd' | 'gzip' | 'deflate' | 's2' | 'lz4';

interface Compressor {
  readonly name: string;
  readonly headerId: number;
  readonly family: Family;
  /** zlib level, or zstd level (klauspost's speeds mapped onto the reference encoder's levels). */
  readonly level: number;
}

const COMPRESSORS: readonly Compressor[] = [
  { name: 'gzip', headerId: 0x1000, family: 'gzip', level: constants.Z_DEFAULT_COMPRESSION },
  { name: 'gzip-best-speed', headerId: 0x1001, family: 'gzip', level: constants.Z_BEST_SPEED },
  { name: 'gzip-best-compression', headerId: 0x1002, family: 'gzip', level: constants.Z_BEST_COMPRESSION },
  { name: 'zstd', headerId: 0x1100, family: 'zstd', level: 3 },
  { name: 'zstd-fastest', headerId: 0x1101, family: 'zstd', level: 1 },
  { name: 'zstd-better-compression', headerId: 0x1102, family: 'zstd', level: 7 },
  { name: 'zstd-best-compression', headerId: 0x1103, family: 'zstd', level: 11 },
  { name: 's2-default', headerId: 0x1200, family: 's2', level: 0 },
  { name: 's2-better', headerId: 0x1201, family: 's2', level: 0 },
  { name: 's2-parallel-4', headerId: 0x1202, family: 's2', level: 0 },
  { name: 's2-parallel-8', headerId: 0x1203, family: 's2', level: 0 },
  { name: 'pgzip', headerId: 0x1300, family: 'gzip', level: constants.Z_DEFAULT_COMPRESSION },
  { name: 'pgzip-best-speed', headerId: 0x1301, family: 'gzip', level: constants.Z_BEST_SPEED },
  { name: 'pgzip-best-compression', headerId: 0x1302, family: 'gzip', level: constants.Z_BEST_COMPRESSION },
  { name: 'lz4', headerId: 0x1400, family: 'lz4', level: 0 },
  { name: 'deflate-default', headerId: 0x1500, family: 'deflate', level: constants.Z_DEFAULT_COMPRESSION },
  { name: 'deflate-best-speed', headerId: 0x1501, family: 'deflate', level: constants.Z_BEST_SPEED },
  {
    name: 'deflate-best-compression',
    headerId: 0x1502,
    family: 'deflate',
    level: constants.Z_BEST_COMPRESSION,
  },
];

const BY_NAME = new Map(COMPRESSORS.map((c) => [c.name, c]));
const BY_HEADER_ID = new Map(COMPRESSORS.map((c) => [c.headerId, c]));

/** kopia's compressor names, in header ID order. */
export const COMPRESSOR_NAMES: readonly string[] = COMPRESSORS.map((c) => c.name);

function unsupported(c: Compressor): LifeboatError {
  return new LifeboatError(
    'UNSUPPORTED',
    `lifeboat reads but does not write kopia's "${c.name}" compression.`,
    {
      hint: 'Choose a compressor of the zstd, gzip, pgzip or deflate families.',
    },
  );
}

function byName(name: string): Compressor {
  const c = BY_NAME.get(name);
  if (c === undefined) {
    throw new LifeboatError('UNSUPPORTED', `Unknown compressor "${name}".`, {
      hint: `kopia's compressors are: ${COMPRESSOR_NAMES.join(', ')}.`,
    });
  }
  return c;
}

/** The header ID kopia records for compressor `name` (in the index entry and in front of the stream). */
export function compressorHeaderId(name: string): number {
  return byName(name).headerId;
}

/** The compressor's name for a header ID, or undefined when kopia has none by that ID. */
export function compressorName(headerId: number): string | undefined {
  return BY_HEADER_ID.get(headerId)?.name;
}

/** header(4 bytes, big-endian) ‖ compressed stream, as kopia's compressor `name` writes it. */
export function compress(name: string, data: Uint8Array): Buffer {
  const c = byName(name);
  let stream: Buffer;
  switch (c.family) {
    case 'zstd':
      stream = zstdCompressSync(data, {
        params: {
          [constants.ZSTD_c_compressionLevel]: c.level,
          [constants.ZSTD_c_checksumFlag]: 1,
        },
      });
      break;
    case 'gzip':
      stream = gzipSync(data, { level: c.level });
      break;
    case 'deflate':
      stream = deflateRawSync(data, { level: c.level });
      break;
    default:
      throw unsupported(c);
  }
  const out = Buffer.allocUnsafe(COMPRESSION_HEADER_SIZE + stream.length);
  out.writeUInt32BE(c.headerId, 0);
  stream.copy(out, COMPRESSION_HEADER_SIZE);
  return out;
}

function corrupt(message: string, cause?: unknown): LifeboatError {
  return new LifeboatError('CORRUPT', message, {
    hint: 'The stored data is damaged: check the storage it was read from, then run `lifeboat repo verify`.',
    cause,
  });
}

function inflate(c: Compressor, stream: Buffer, maxLength: number): Buffer {
  // zlib refuses a cap of 0; one byte more than allowed is enough to tell "too long".
  const options = { maxOutputLength: maxLength + 1 };
  switch (c.family) {
    case 'zstd':
      // kopia's zstd encoder writes no frame at all for empty input.
      return stream.length === 0 ? Buffer.alloc(0) : zstdDecompressSync(stream, options);
    case 'gzip':
      return gunzipSync(stream, options);
    case 'deflate':
      return inflateRawSync(stream, options);
    case 's2':
      return decodeS2Stream(stream, maxLength);
    case 'lz4':
      return decodeLz4Stream(stream, maxLength);
  }
}

/**
 * Reads the header ID, then decompresses the stream after it. The output may not exceed
 * maxLength bytes (the index's original length): a longer stream is CORRUPT, so a hostile stream
 * can never inflate beyond what the caller accepted. `expectedHeaderId`, when given, must match
 * the header (kopia checks the index's compression header ID against the data's).
 */
export function decompress(data: Uint8Array, maxLength: number, expectedHeaderId?: number): Buffer {
  if (data.length < COMPRESSION_HEADER_SIZE) {
    throw corrupt(`Compressed data is ${data.length} bytes, too short for its compression header.`);
  }
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const headerId = buf.readUInt32BE(0);
  if (expectedHeaderId !== undefined && headerId !== expectedHeaderId) {
    throw corrupt(
      `Compressed data has compression header 0x${headerId.toString(16)}, the index says 0x${expectedHeaderId.toString(16)}.`,
    );
  }
  const c = BY_HEADER_ID.get(headerId);
  if (c === undefined) {
    throw corrupt(`Compressed data names an unknown compressor 0x${headerId.toString(16)}.`);
  }
  let out: Buffer;
  try {
    out = inflate(c, buf.subarray(COMPRESSION_HEADER_SIZE), maxLength);
  } catch (err) {
    if (err instanceof LifeboatError) throw err;
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw corrupt(`${c.name} data decompresses to more than the expected ${maxLength} bytes.`, err);
    }
    throw corrupt(`${c.name} data does not decompress.`, err);
  }
  if (out.length > maxLength) {
    throw corrupt(`${c.name} data decompresses to more than the expected ${maxLength} bytes.`);
  }
  return out;
}
