import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ContentEncryptor } from '../../crypto/encryption.ts';
import type { HashFunc } from '../../crypto/hashing.ts';
import type { IndexEntry } from '../../index/index-entry.ts';
import { encodeIndexV2, withRandomSuffix } from '../../index/index-v2-encode.ts';
import type { Sealed } from './sealer.ts';

/** kopia's pack preamble: 32 random bytes (content_manager.go defaultMin/MaxPreambleLength). */
export const PACK_PREAMBLE_LENGTH = 32;
/** Packs are padded with random bytes to a multiple of this before the local index copy. */
export const PACK_PADDING_UNIT = 4096;

/**
 * One pack being filled, laid out as kopia's content manager writes it: [format bytes when the
 * repository cannot change its password] ‖ 32 random bytes ‖ encrypted contents ‖ 1..4096 random
 * bytes up to a multiple of 4096 ‖ the pack's own index (v2, with a random suffix), encrypted with
 * the index's hash as IV ‖ the postamble (version, IV, offset and length of that index, CRC-32,
 * own length) that lets kopia rebuild a lost index from the pack.
 */
export class PackBuilder {
  readonly blobId: string;
  readonly entries: IndexEntry[] = [];
  private buf: Buffer;
  private size = 0;
  /** Contents being encrypted into the buffer on other threads. */
  private readonly writing = new Set<Promise<void>>();

  /** Builds the pack in `buffer` (a larger one replaces it when the pack outgrows it). */
  constructor(blobId: string, buffer: Buffer, formatBytes?: Buffer) {
    this.blobId = blobId;
    this.buf = buffer;
    if (formatBytes !== undefined && formatBytes.length > 0) this.append(formatBytes);
    this.append(randomBytes(PACK_PREAMBLE_LENGTH));
  }

  get length(): number {
    return this.size;
  }

  /** The buffer the pack is built in: free for reuse once the pack is stored. */
  get buffer(): Buffer {
    return this.buf;
  }

  /** True once a content was added (a pack of preamble only is never written). */
  get hasContents(): boolean {
    return this.entries.length > 0;
  }

  private room(n: number): void {
    if (this.size + n <= this.buf.length) return;
    if (this.writing.size > 0)
      throw new Error('a pack outgrew its buffer while contents were written into it');
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.size + n, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.size);
    this.buf = bigger;
  }

  private append(data: Uint8Array): void {
    this.room(data.length);
    this.buf.set(data, this.size);
    this.size += data.length;
  }

  /**
   * Adds a sealed content; the entry's packBlobId, packOffset and packedLength are filled in.
   * `written` settles once its bytes are in the buffer (undefined: they already are).
   */
  add(
    entry: Omit<IndexEntry, 'packBlobId' | 'packOffset' | 'packedLength'>,
    sealed: Sealed,
  ): { entry: IndexEntry; written: Promise<void> | undefined } {
    const full: IndexEntry = {
      ...entry,
      packBlobId: this.blobId,
      packOffset: this.size,
      packedLength: sealed.length,
    };
    this.room(sealed.length);
    const pending = sealed.writeTo(this.buf, this.size);
    this.size += sealed.length;
    this.entries.push(full);
    if (pending === undefined) return { entry: full, written: undefined };
    const tracked: Promise<void> = pending.finally(() => this.writing.delete(tracked));
    this.writing.add(tracked);
    return { entry: full, written: tracked };
  }

  /** Settles once every content added is in the buffer; rejects when one could not be written. */
  async written(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing);
  }

  /**
   * The pack's bytes (a view of its buffer): contents, padding, the encrypted local index and the
   * postamble. Every content must be written (see written()).
   */
  finish(hash: HashFunc, encryptor: ContentEncryptor): Buffer {
    if (this.writing.size > 0) throw new Error('a pack was finished while contents were written into it');
    this.append(randomBytes(PACK_PADDING_UNIT - (this.size % PACK_PADDING_UNIT)));
    const localIndex = withRandomSuffix(encodeIndexV2(this.entries), randomBytes(32));
    const iv = hash(localIndex);
    const encrypted = encryptor.encrypt(localIndex, iv);
    const offset = this.size;
    this.append(encrypted);
    this.append(postamble(iv, offset, encrypted.length));
    return this.buf.subarray(0, this.size);
  }
}

function uvarint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** kopia's packContentPostamble: uvarint 1, uvarint len(iv), iv, uvarint offset, uvarint length, CRC-32 (BE), own length. */
export function postamble(iv: Buffer, offset: number, length: number): Buffer {
  const body = Buffer.from([
    ...uvarint(1),
    ...uvarint(iv.length),
    ...iv,
    ...uvarint(offset),
    ...uvarint(length),
  ]);
  const out = Buffer.alloc(body.length + 5);
  body.copy(out);
  out.writeUInt32BE(crc32(body), body.length);
  out[body.length + 4] = body.length + 4;
  return out;
}
