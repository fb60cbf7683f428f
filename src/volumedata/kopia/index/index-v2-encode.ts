import { contentIdKeyLength, writeContentIdKey } from './content-id.ts';
import { unencodable } from './index-errors.ts';
import type { IndexEntry } from './index-entry.ts';
import { sortedUniqueEntries } from './merge.ts';
import { v2HeaderSize } from './index-v2.ts';

const maxFormats = 0xff;
const maxPacks = 1 << 24;
const maxShortPacks = 1 << 16;
const maxLength = 1 << 28;
const maxShortLength = 1 << 24;
const maxPackOffset = 1 << 30;

/**
 * Encodes entries as an index v2 blob's plaintext, byte for byte as kopia v0.22.3's buildV2: entries
 * deduplicated by kopia's merge rule and sorted; packs and formats numbered in order of first use;
 * per-entry bytes only as wide as the widest value needs; base timestamp 0. kopia's writer appends
 * 32 random bytes after this to make every index blob unique (see withRandomSuffix); a compaction
 * writes it without.
 */
export function encodeIndexV2(input: Iterable<IndexEntry>): Buffer {
  const entries = sortedUniqueEntries(input);
  if (entries.length === 0) throw unencodable('an index v2 needs at least one entry');
  const keySize = contentIdKeyLength(entries[0]?.contentId ?? '') ?? 0;
  const packs = new Map<string, number>();
  const formats = new Map<number, number>();
  let wide = { format: false, pack: false, length: false };
  for (const e of entries) {
    checkEntry(e, keySize);
    if (!packs.has(e.packBlobId)) {
      if (!/^[\x20-\x7e]{0,255}$/.test(e.packBlobId))
        throw unencodable(`content ${e.contentId}: bad pack blob ID`);
      packs.set(e.packBlobId, packs.size);
    }
    const f = formatKey(e);
    if (!formats.has(f)) formats.set(f, formats.size);
    if (e.packedLength >= maxShortLength || e.originalLength >= maxShortLength)
      wide = { ...wide, length: true };
  }
  if (formats.size > maxFormats) throw unencodable(`${formats.size} formats (max ${maxFormats})`);
  if (packs.size > maxPacks) throw unencodable(`${packs.size} packs (max ${maxPacks})`);
  wide = { ...wide, format: formats.size > 1, pack: packs.size > maxShortPacks };
  const entrySize = wide.length ? 19 : wide.pack ? 18 : wide.format ? 17 : 16;

  const { names, nameOffsets } = packNames(packs.keys());
  const stride = keySize + entrySize;
  const packsOffset = v2HeaderSize + entries.length * stride;
  const formatsOffset = packsOffset + packs.size * 5;
  const namesOffset = formatsOffset + formats.size * 6;
  const out = Buffer.alloc(namesOffset + names.length);

  out[0] = 2;
  out[1] = keySize;
  out.writeUInt16BE(entrySize, 2);
  out.writeUInt32BE(entries.length, 4);
  out.writeUInt32BE(packs.size, 8);
  out[12] = formats.size;
  out.writeUInt32BE(0, 13);

  entries.forEach((e, i) => {
    const at = v2HeaderSize + i * stride;
    writeContentIdKey(e.contentId, out, at);
    const v = at + keySize;
    const pack = packs.get(e.packBlobId) ?? 0;
    out.writeUInt32BE(e.timestampSeconds, v);
    out.writeUInt32BE((e.packOffset + (e.deleted ? 0x80000000 : 0)) >>> 0, v + 4);
    out.writeUIntBE(e.originalLength % maxShortLength, v + 8, 3);
    out.writeUIntBE(e.packedLength % maxShortLength, v + 11, 3);
    out.writeUInt16BE(pack & 0xffff, v + 14);
    if (entrySize > 16) out[v + 16] = formats.get(formatKey(e)) ?? 0;
    if (entrySize > 17) out[v + 17] = pack >>> 16;
    if (entrySize > 18) {
      out[v + 18] =
        (Math.floor(e.originalLength / maxShortLength) << 4) | Math.floor(e.packedLength / maxShortLength);
    }
  });

  let p = packsOffset;
  for (const pack of packs.keys()) {
    out[p] = Buffer.byteLength(pack, 'latin1');
    out.writeUInt32BE(namesOffset + (nameOffsets.get(pack) ?? 0), p + 1);
    p += 5;
  }
  for (const f of formats.keys()) {
    out.writeUInt32BE(Math.floor(f / 0x10000), p);
    out[p + 4] = (f >>> 8) & 0xff;
    out[p + 5] = f & 0xff;
    p += 6;
  }
  names.copy(out, namesOffset);
  return out;
}

/** The names of the packs (the empty name takes no bytes), concatenated, and where each starts. */
function packNames(packs: Iterable<string>): { names: Buffer; nameOffsets: Map<string, number> } {
  const parts: Buffer[] = [];
  const nameOffsets = new Map<string, number>();
  let length = 0;
  for (const pack of packs) {
    if (pack === '') continue;
    const name = Buffer.from(pack, 'latin1');
    nameOffsets.set(pack, length);
    parts.push(name);
    length += name.length;
  }
  return { names: Buffer.concat(parts), nameOffsets };
}

/** The index bytes followed by 32 random bytes, as kopia writes every index blob that is not a compaction. */
export function withRandomSuffix(index: Buffer, random: Buffer): Buffer {
  if (random.length !== 32) throw unencodable('the random suffix must be 32 bytes');
  return Buffer.concat([index, random]);
}

/** The format of an entry as one number: compression header ID ‖ format version ‖ encryption key ID. */
function formatKey(e: IndexEntry): number {
  return e.compressionHeaderId * 0x10000 + e.formatVersion * 0x100 + e.encryptionKeyId;
}

function checkEntry(e: IndexEntry, keySize: number): void {
  const bad = (what: string): never => {
    throw unencodable(`content ${e.contentId}: ${what}`);
  };
  if (contentIdKeyLength(e.contentId) !== keySize) bad(`not a content ID with a key of ${keySize} bytes`);
  if (!isUint(e.packedLength, maxLength) || !isUint(e.originalLength, maxLength))
    bad('length out of range (max 256 MiB)');
  if (!isUint(e.packOffset, maxPackOffset)) bad(`pack offset ${e.packOffset} out of range (max 1 GiB)`);
  if (!isUint(e.timestampSeconds, 2 ** 32)) bad(`timestamp ${e.timestampSeconds} out of range`);
  if (!isUint(e.compressionHeaderId, 2 ** 32)) bad('bad compression header ID');
  if (!isUint(e.formatVersion, 256) || !isUint(e.encryptionKeyId, 256))
    bad('bad format version or encryption key ID');
}

function isUint(n: number, limit: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < limit;
}
