import { compareKeyAt, isPrefixByte, maxHashSize, tryContentIdToKey } from './content-id.ts';
import { corruptIndex } from './index-errors.ts';
import type { IndexEntry, PackIndex } from './index-entry.ts';

/**
 * Index format v2 (kopia repo/content/index/index_v2.go), read side.
 *
 * Header (17 bytes, big-endian): version 2, key size, entry size (16..19), entry count, pack count,
 * format count (1 byte), base timestamp. Then entries sorted by key, each key ‖ value:
 *   0-3 timestamp − base; 4-7 pack offset (31 bits) with the deleted flag in the top bit;
 *   8-10 original length (low 24 bits); 11-13 packed length (low 24 bits); 14-15 pack index (low 16);
 *   16 format index (when entry size > 16); 17 pack index bits 16..23 (when > 17);
 *   18 length bits 24..27: original in the high nibble, packed in the low one (when > 18).
 * Then the packs table (name length: 1 byte, name offset: 4 bytes, absolute), the formats table
 * (compression header ID: 4 bytes, format version, encryption key ID) and the names.
 */
export const v2HeaderSize = 17;
const v2PackInfoSize = 5;
const v2FormatInfoSize = 6;
const v2MinEntrySize = 16;
const v2MaxEntrySize = 19;
const v2MaxStride = 256;

interface V2Format {
  compressionHeaderId: number;
  formatVersion: number;
  encryptionKeyId: number;
}

/** A decoded v2 index blob: lookups and iteration read the buffer; nothing is copied per entry up front. */
export class IndexV2 implements PackIndex {
  readonly blobId: string;
  readonly count: number;
  private readonly data: Buffer;
  private readonly keySize: number;
  private readonly entrySize: number;
  private readonly stride: number;
  private readonly baseTimestamp: number;
  private readonly packs: string[];
  private readonly formats: V2Format[];

  private constructor(data: Buffer, blobId: string) {
    this.blobId = blobId;
    this.data = data;
    if (data.length < v2HeaderSize)
      throw corruptIndex(blobId, `${data.length} bytes is shorter than the v2 header`);
    if (data[0] !== 2) throw corruptIndex(blobId, `version ${data[0]} is not 2`);
    this.keySize = data.readUInt8(1);
    this.entrySize = data.readUInt16BE(2);
    this.count = data.readUInt32BE(4);
    const packCount = data.readUInt32BE(8);
    const formatCount = data.readUInt8(12);
    this.baseTimestamp = data.readUInt32BE(13);
    this.stride = this.keySize + this.entrySize;
    if (this.keySize < 2 || this.keySize > maxHashSize + 1)
      throw corruptIndex(blobId, `bad key size ${this.keySize}`);
    if (this.entrySize < v2MinEntrySize || this.entrySize > v2MaxEntrySize || this.stride > v2MaxStride) {
      throw corruptIndex(blobId, `bad entry size ${this.entrySize}`);
    }
    const packsOffset = v2HeaderSize + this.count * this.stride;
    const formatsOffset = packsOffset + packCount * v2PackInfoSize;
    const end = formatsOffset + formatCount * v2FormatInfoSize;
    if (end > data.length) {
      throw corruptIndex(
        blobId,
        `${this.count} entries, ${packCount} packs and ${formatCount} formats do not fit in ${data.length} bytes`,
      );
    }
    this.packs = new Array<string>(packCount);
    for (let i = 0; i < packCount; i++) {
      const at = packsOffset + i * v2PackInfoSize;
      const nameLength = data.readUInt8(at);
      const nameOffset = data.readUInt32BE(at + 1);
      if (nameOffset + nameLength > data.length)
        throw corruptIndex(blobId, `pack name ${i} lies outside the blob`);
      this.packs[i] = data.toString('latin1', nameOffset, nameOffset + nameLength);
    }
    this.formats = new Array<V2Format>(formatCount);
    for (let i = 0; i < formatCount; i++) {
      const at = formatsOffset + i * v2FormatInfoSize;
      this.formats[i] = {
        compressionHeaderId: data.readUInt32BE(at),
        formatVersion: data.readUInt8(at + 4),
        encryptionKeyId: data.readUInt8(at + 5),
      };
    }
  }

  /** Decodes a v2 index blob's plaintext; CORRUPT (naming blobId) when its tables do not fit. */
  static decode(data: Buffer, blobId: string): IndexV2 {
    return new IndexV2(data, blobId);
  }

  lookup(contentId: string): IndexEntry | undefined {
    const key = tryContentIdToKey(contentId);
    return key === undefined ? undefined : this.lookupKey(key);
  }

  lookupKey(key: Uint8Array): IndexEntry | undefined {
    if (key.length !== this.keySize) return undefined;
    const position = this.search(key);
    if (position >= this.count) return undefined;
    const at = v2HeaderSize + position * this.stride;
    if (compareKeyAt(key, this.data, at) !== 0) return undefined;
    return this.entryAt(position);
  }

  /** The first position whose key is >= key (sort.Search). */
  private search(key: Uint8Array): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = v2HeaderSize + mid * this.stride;
      if (compareKeyAt(key, this.data, at) <= 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  *entries(): IterableIterator<IndexEntry> {
    for (let i = 0; i < this.count; i++) yield this.entryAt(i);
  }

  /** The entry at a position in key order. */
  entryAt(position: number): IndexEntry {
    const d = this.data;
    const at = v2HeaderSize + position * this.stride;
    const prefix = d.readUInt8(at);
    if (prefix !== 0 && !isPrefixByte(prefix))
      throw corruptIndex(this.blobId, `entry ${position} has a bad content ID prefix`);
    const hash = d.toString('hex', at + 1, at + this.keySize);
    const v = at + this.keySize;
    const extra = this.entrySize;
    const high = extra > 18 ? d.readUInt8(v + 18) : 0;
    const packIndex = d.readUInt16BE(v + 14) + (extra > 17 ? d.readUInt8(v + 17) * 0x10000 : 0);
    const formatIndex = extra > 16 ? d.readUInt8(v + 16) : 0;
    const pack = this.packs[packIndex];
    const format = this.formats[formatIndex];
    if (pack === undefined)
      throw corruptIndex(this.blobId, `entry ${position} names pack ${packIndex} of ${this.packs.length}`);
    if (format === undefined)
      throw corruptIndex(
        this.blobId,
        `entry ${position} names format ${formatIndex} of ${this.formats.length}`,
      );
    const offsetAndFlags = d.readUInt32BE(v + 4);
    return {
      contentId: prefix === 0 ? hash : String.fromCharCode(prefix) + hash,
      packBlobId: pack,
      packOffset: offsetAndFlags & 0x7fffffff,
      packedLength: d.readUIntBE(v + 11, 3) + (high & 0xf) * 0x1000000,
      originalLength: d.readUIntBE(v + 8, 3) + (high >>> 4) * 0x1000000,
      timestampSeconds: d.readUInt32BE(v) + this.baseTimestamp,
      deleted: (offsetAndFlags & 0x80000000) !== 0,
      compressionHeaderId: format.compressionHeaderId,
      formatVersion: format.formatVersion,
      encryptionKeyId: format.encryptionKeyId,
    };
  }
}
