import { compareKeyAt, contentIdToKey, isPrefixByte, maxHashSize, tryContentIdToKey } from './content-id.ts';
import { corruptIndex, unencodable } from './index-errors.ts';
import type { IndexEntry, PackIndex } from './index-entry.ts';
import { sortedUniqueEntries } from './merge.ts';

/**
 * Index format v1 (kopia repo/content/index/index_v1.go), for repositories made before content
 * compression. Header (8 bytes): version 1, key size (255 when empty), value size (20), entry count.
 * Entries sorted by key, each key ‖ 20 bytes: 48-bit timestamp, format version, pack name length,
 * pack name offset (absolute, 4 bytes), pack offset with the deleted flag in the top bit, packed
 * length. v1 does not store the original length: it is the packed length minus the encryption's
 * per-content overhead, which the caller passes.
 */
const v1HeaderSize = 8;
const v1ValueSize = 20;
const emptyKeySize = 255;

export class IndexV1 implements PackIndex {
  readonly blobId: string;
  readonly count: number;
  private readonly data: Buffer;
  private readonly keySize: number;
  private readonly stride: number;
  private readonly overhead: number;

  private constructor(data: Buffer, blobId: string, perContentOverhead: number) {
    this.blobId = blobId;
    this.data = data;
    this.overhead = perContentOverhead;
    if (data.length < v1HeaderSize)
      throw corruptIndex(blobId, `${data.length} bytes is shorter than the v1 header`);
    if (data[0] !== 1) throw corruptIndex(blobId, `version ${data[0]} is not 1`);
    this.keySize = data.readUInt8(1);
    const valueSize = data.readUInt16BE(2);
    this.count = data.readUInt32BE(4);
    this.stride = this.keySize + valueSize;
    if (this.count > 0) {
      if (this.keySize < 2 || this.keySize > maxHashSize + 1)
        throw corruptIndex(blobId, `bad key size ${this.keySize}`);
      if (valueSize !== v1ValueSize) throw corruptIndex(blobId, `bad entry size ${valueSize}`);
      if (v1HeaderSize + this.count * this.stride > data.length) {
        throw corruptIndex(blobId, `${this.count} entries do not fit in ${data.length} bytes`);
      }
    }
  }

  /** Decodes a v1 index blob's plaintext; perContentOverhead is the content encryption's overhead. */
  static decode(data: Buffer, blobId: string, perContentOverhead: number): IndexV1 {
    return new IndexV1(data, blobId, perContentOverhead);
  }

  lookup(contentId: string): IndexEntry | undefined {
    const key = tryContentIdToKey(contentId);
    return key === undefined ? undefined : this.lookupKey(key);
  }

  lookupKey(key: Uint8Array): IndexEntry | undefined {
    if (this.count === 0 || key.length !== this.keySize) return undefined;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = v1HeaderSize + mid * this.stride;
      if (compareKeyAt(key, this.data, at) <= 0) hi = mid;
      else lo = mid + 1;
    }
    if (lo >= this.count) return undefined;
    const at = v1HeaderSize + lo * this.stride;
    return compareKeyAt(key, this.data, at) === 0 ? this.entryAt(lo) : undefined;
  }

  *entries(): IterableIterator<IndexEntry> {
    for (let i = 0; i < this.count; i++) yield this.entryAt(i);
  }

  entryAt(position: number): IndexEntry {
    const d = this.data;
    const at = v1HeaderSize + position * this.stride;
    const prefix = d.readUInt8(at);
    if (prefix !== 0 && !isPrefixByte(prefix))
      throw corruptIndex(this.blobId, `entry ${position} has a bad content ID prefix`);
    const hash = d.toString('hex', at + 1, at + this.keySize);
    const v = at + this.keySize;
    const nameLength = d.readUInt8(v + 7);
    const nameOffset = d.readUInt32BE(v + 8);
    if (nameOffset + nameLength > d.length)
      throw corruptIndex(this.blobId, `entry ${position} names a pack outside the blob`);
    const offsetAndFlags = d.readUInt32BE(v + 12);
    const packedLength = d.readUInt32BE(v + 16);
    return {
      contentId: prefix === 0 ? hash : String.fromCharCode(prefix) + hash,
      packBlobId: d.toString('latin1', nameOffset, nameOffset + nameLength),
      packOffset: offsetAndFlags & 0x7fffffff,
      packedLength,
      // uint32 arithmetic, as kopia's
      originalLength: (packedLength - this.overhead) >>> 0,
      timestampSeconds: d.readUIntBE(v, 6),
      deleted: (offsetAndFlags & 0x80000000) !== 0,
      compressionHeaderId: 0,
      formatVersion: d.readUInt8(v + 6),
      encryptionKeyId: 0,
    };
  }
}

/** Encodes entries as an index v1 blob's plaintext, byte for byte as kopia's buildV1. */
export function encodeIndexV1(input: Iterable<IndexEntry>): Buffer {
  const entries = sortedUniqueEntries(input);
  const keys = entries.map((e) => contentIdToKey(e.contentId));
  const keySize = keys[0]?.length ?? emptyKeySize;
  const nameOffsets = new Map<string, number>();
  const names: Buffer[] = [];
  let namesLength = 0;
  for (const e of entries) {
    if (e.packBlobId === '') throw unencodable(`content ${e.contentId} has no pack`);
    if (e.compressionHeaderId !== 0 || e.encryptionKeyId !== 0) {
      throw unencodable(`content ${e.contentId}: index v1 holds neither compression nor encryption key IDs`);
    }
    if (!nameOffsets.has(e.packBlobId)) {
      const name = Buffer.from(e.packBlobId, 'latin1');
      if (name.length > 255) throw unencodable(`pack blob ID of ${name.length} bytes`);
      nameOffsets.set(e.packBlobId, namesLength);
      names.push(name);
      namesLength += name.length;
    }
  }
  const stride = keySize + v1ValueSize;
  const namesOffset = v1HeaderSize + entries.length * stride;
  const out = Buffer.alloc(namesOffset + namesLength);
  out[0] = 1;
  out[1] = keySize;
  out.writeUInt16BE(v1ValueSize, 2);
  out.writeUInt32BE(entries.length, 4);
  entries.forEach((e, i) => {
    const key = keys[i];
    if (key?.length !== keySize)
      throw unencodable(`content ${e.contentId} has a key of another length than ${keySize}`);
    if (!Number.isInteger(e.timestampSeconds) || e.timestampSeconds < 0 || e.timestampSeconds >= 2 ** 48) {
      throw unencodable(`content ${e.contentId}: timestamp out of range`);
    }
    const at = v1HeaderSize + i * stride;
    key.copy(out, at);
    const v = at + keySize;
    out.writeUIntBE(e.timestampSeconds, v, 6);
    out[v + 6] = e.formatVersion;
    out[v + 7] = Buffer.byteLength(e.packBlobId, 'latin1');
    out.writeUInt32BE(namesOffset + (nameOffsets.get(e.packBlobId) ?? 0), v + 8);
    out.writeUInt32BE((e.packOffset | (e.deleted ? 0x80000000 : 0)) >>> 0, v + 12);
    out.writeUInt32BE(e.packedLength, v + 16);
  });
  Buffer.concat(names).copy(out, namesOffset);
  return out;
}
