import { randomBytes } from 'node:crypto';
import { LifeboatError } from '../../../../errors/index.ts';
import { encryptBlob } from '../../crypto/blob-crypto.ts';
import { contentId as makeContentId } from '../../crypto/content.ts';
import { FORMAT_BLOB_ID } from '../../format/format-blob.ts';
import { epochMarkerPrefix, epochNumberFromBlobId, indexBlobPrefix } from '../../index/epoch.ts';
import type { IndexEntry } from '../../index/index-entry.ts';
import { encodeIndexV2 } from '../../index/index-v2-encode.ts';
import { newSessionId } from '../../index/session.ts';
import { goTime } from '../../object/go-text.ts';
import { BufferPool } from './buffer-pool.ts';
import { PackBuilder } from './pack-builder.ts';
import type { KopiaRepository } from '../repository.ts';
import { inlineSealer, type Sealer } from './sealer.ts';

/** Pack blob prefixes: `p` for file data, `q` for kopia's own metadata (prefixed contents). */
export const DATA_PACK_PREFIX = 'p';
export const METADATA_PACK_PREFIX = 'q';
const SESSION_PREFIX = 's';
/**
 * Packs being stored while the next one fills (memory: this many pack buffers and the open one); a
 * content that fills a pack waits for room.
 */
const MAX_PACK_WRITES = 1;
/** Room beyond maxPackSize in a data pack's buffer: the largest content of kopia's default splitter. */
const PACK_SLACK = (8 << 20) + (64 << 10);
/** A metadata pack's first buffer (it doubles as needed). */
const METADATA_PACK_START = 256 << 10;

export interface ContentWriterOptions {
  sealer?: Sealer;
  /** Recorded in the session marker (kopia's user@host of the writer). */
  username?: string;
  hostname?: string;
  /** Called after each pack is stored, with its length. */
  onPackWritten?: (blobId: string, length: number) => void;
}

export interface ContentWriterStats {
  /** Contents asked for, deduplicated or not. */
  contents: number;
  /** Contents sealed into packs by this writer. */
  writtenContents: number;
  /** Bytes of plaintext of those contents. */
  writtenBytes: number;
  packs: number;
  packBytes: number;
  indexBlobs: number;
}

/**
 * A write session (kopia's content.WriteManager): contents are hashed into IDs, deduplicated
 * against the committed index and this session's own writes, sealed, and packed — data into `p`
 * packs, prefixed contents into `q` packs — each pack stored create-only when it reaches the
 * repository's maxPackSize. flush() stores the open packs, then one index blob for every pack
 * stored since the last flush (`xn<epoch>_<hash>-<session>-c1`), then drops the session marker: a
 * crash before it leaves only orphan packs, which kopia's maintenance removes.
 */
export class ContentWriter {
  readonly stats: ContentWriterStats = {
    contents: 0,
    writtenContents: 0,
    writtenBytes: 0,
    packs: 0,
    packBytes: 0,
    indexBlobs: 0,
  };
  private readonly repo: KopiaRepository;
  private readonly sealer: Sealer;
  private readonly options: ContentWriterOptions;
  private readonly maxPackSize: number;
  private readonly packBuffers: BufferPool;
  private readonly openPacks = new Map<string, PackBuilder>();
  /** Entries of contents in open or stored packs this session has not indexed yet, and of earlier flushes. */
  private readonly written = new Map<string, IndexEntry>();
  private readonly sealing = new Map<string, Promise<void>>();
  private unindexed: IndexEntry[] = [];
  /** Pack writes under way; they never reject (a failure is kept in `failure`). */
  private readonly packWrites = new Set<Promise<void>>();
  private sessionId: string | undefined;
  private sessionMarkers: string[] = [];
  private formatBytes: Promise<Buffer | undefined> | undefined;
  private failure: Error | undefined;

  constructor(repo: KopiaRepository, options: ContentWriterOptions = {}) {
    const { config } = repo.format;
    if (config.indexVersion < 2 || !config.epochParameters.Enabled) {
      throw new LifeboatError(
        'UNSUPPORTED',
        `lifeboat writes only into kopia repositories with index v2 and epochs; ${repo.blobs.description} has index v${config.indexVersion}`,
        { hint: 'upgrade the repository with `kopia repository upgrade`, or create a new one' },
      );
    }
    this.repo = repo;
    this.options = options;
    this.sealer = options.sealer ?? inlineSealer(repo.hash, repo.encryptor);
    this.maxPackSize = config.maxPackSize > 0 ? config.maxPackSize : 20 << 20;
    this.packBuffers = new BufferPool(this.maxPackSize + PACK_SLACK, MAX_PACK_WRITES + 1, {
      shared: this.sealer.sharedPacks === true,
    });
  }

  /** The ID data gets, without writing it. */
  async contentIdOf(data: Buffer, prefix = ''): Promise<string> {
    return makeContentId(prefix, await this.sealer.hash(data));
  }

  /**
   * Writes a content (unless the repository or this session has it) and returns its ID. Prefixed
   * contents go to `q` packs; compressor is kopia's name (none for file data).
   */
  async writeContent(data: Buffer, prefix = '', compressor?: string): Promise<string> {
    this.throwIfFailed();
    this.stats.contents++;
    const id = makeContentId(prefix, await this.sealer.hash(data));
    const pending = this.sealing.get(id);
    if (pending !== undefined) {
      await pending;
      return id;
    }
    if (this.written.has(id)) return id;
    const committed = this.repo.contentInfo(id);
    if (committed !== undefined && !committed.deleted) return id;
    const work = this.addContent(id, data, prefix, compressor, committed?.timestampSeconds);
    this.sealing.set(id, work);
    try {
      await work;
    } finally {
      this.sealing.delete(id);
    }
    return id;
  }

  private async addContent(
    id: string,
    data: Buffer,
    prefix: string,
    compressor: string | undefined,
    previousTimestamp: number | undefined,
  ): Promise<void> {
    const sealed = await this.sealer.seal(data, id, compressor);
    const packPrefix = prefix === '' ? DATA_PACK_PREFIX : METADATA_PACK_PREFIX;
    const session = await this.session();
    this.formatBytes ??= this.readFormatBytes();
    const formatBytes = await this.formatBytes;
    await this.roomToStore(packPrefix, sealed.length);
    // No await from here to pack.add: the pack cannot be stored by another write in between.
    const pack = this.openPack(packPrefix, session, formatBytes);
    let timestampSeconds = Math.floor(Date.now() / 1000);
    if (previousTimestamp !== undefined && timestampSeconds <= previousTimestamp) {
      timestampSeconds = previousTimestamp + 1;
    }
    const { entry, written } = pack.add(
      {
        contentId: id,
        originalLength: data.length,
        timestampSeconds,
        deleted: false,
        compressionHeaderId: sealed.compressionHeaderId,
        formatVersion: this.repo.format.config.version,
        encryptionKeyId: 0,
      },
      sealed,
    );
    this.written.set(id, entry);
    this.stats.writtenContents++;
    this.stats.writtenBytes += data.length;
    if (pack.length >= this.maxPackSize) {
      this.openPacks.delete(packPrefix);
      this.storePack(pack);
    }
    // The content's data is read until its bytes are in the pack.
    await written;
  }

  /** Waits until a pack this content fills can be stored with at most MAX_PACK_WRITES under way. */
  private async roomToStore(packPrefix: string, length: number): Promise<void> {
    for (;;) {
      const fills = (this.openPacks.get(packPrefix)?.length ?? 0) + length >= this.maxPackSize;
      if (!fills || this.packWrites.size < MAX_PACK_WRITES) break;
      await Promise.race(this.packWrites);
    }
    this.throwIfFailed();
  }

  private openPack(packPrefix: string, session: string, formatBytes: Buffer | undefined): PackBuilder {
    const open = this.openPacks.get(packPrefix);
    if (open !== undefined) return open;
    const buffer =
      packPrefix === DATA_PACK_PREFIX ? this.packBuffers.take() : Buffer.allocUnsafeSlow(METADATA_PACK_START);
    const pack = new PackBuilder(
      `${packPrefix}${randomBytes(16).toString('hex')}-${session}`,
      buffer,
      formatBytes,
    );
    this.openPacks.set(packPrefix, pack);
    return pack;
  }

  /** kopia starts packs with kopia.repository's bytes when the repository cannot change its password. */
  private async readFormatBytes(): Promise<Buffer | undefined> {
    if (this.repo.format.config.enablePasswordChange) return undefined;
    return this.repo.blobs.getBlob(FORMAT_BLOB_ID);
  }

  /** Starts storing a pack once its contents are written into it; its buffer is reused once it is stored. */
  private storePack(pack: PackBuilder): void {
    const store = async () => {
      await pack.written();
      const data = pack.finish(this.repo.hash, this.repo.encryptor);
      await this.repo.blobs.putBlob(pack.blobId, data, { ifNotExists: true });
      return data.length;
    };
    const write = store().then(
      (length) => {
        this.unindexed.push(...pack.entries);
        this.stats.packs++;
        this.stats.packBytes += length;
        this.options.onPackWritten?.(pack.blobId, length);
        this.packBuffers.give(pack.buffer);
      },
      (err: unknown) => {
        this.failure ??= asError(err);
      },
    );
    const tracked = write.finally(() => this.packWrites.delete(tracked));
    this.packWrites.add(tracked);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** The session ID, writing kopia's session marker (`s<hash>-<session>`) when a session starts. */
  private async session(): Promise<string> {
    if (this.sessionId !== undefined) return this.sessionId;
    const id = newSessionId();
    this.sessionId = id;
    const now = goTime(BigInt(Date.now()) * 1_000_000n);
    const info = `{"id":"${id}","startTime":${now},"checkpointTime":${now},"username":${JSON.stringify(this.options.username ?? 'default')},"hostname":${JSON.stringify(this.options.hostname ?? 'default')}}`;
    const marker = encryptBlob(this.repo.hash, this.repo.encryptor, SESSION_PREFIX, Buffer.from(info), id);
    await this.repo.blobs.putBlob(marker.blobId, marker.data);
    this.sessionMarkers.push(marker.blobId);
    return id;
  }

  /**
   * Stores the open packs, waits for every pack write, then writes the index blob of this
   * session's new contents in the current write epoch and ends the session. Nothing to index
   * is a no-op.
   */
  async flush(): Promise<void> {
    await Promise.all([...this.sealing.values()]);
    for (const [prefix, pack] of this.openPacks) {
      this.openPacks.delete(prefix);
      if (pack.hasContents) this.storePack(pack);
    }
    await Promise.allSettled([...this.packWrites]);
    this.throwIfFailed();
    if (this.unindexed.length > 0) {
      const epoch = await this.writeEpoch();
      const sessionId = await this.session();
      const plain = encodeIndexV2(this.unindexed);
      const blob = encryptBlob(
        this.repo.hash,
        this.repo.encryptor,
        indexBlobPrefix(epoch),
        plain,
        `${sessionId}-c1`,
      );
      await this.repo.blobs.putBlob(blob.blobId, blob.data, { ifNotExists: true });
      this.stats.indexBlobs++;
      this.unindexed = [];
    }
    for (const marker of this.sessionMarkers) await this.repo.blobs.deleteBlob(marker);
    this.sessionMarkers = [];
    this.sessionId = undefined;
  }

  /** The epoch new index blobs go to: the highest epoch marker (0 when there is none). */
  private async writeEpoch(): Promise<number> {
    let epoch = 0;
    for await (const b of this.repo.blobs.listBlobs(epochMarkerPrefix)) {
      const n = epochNumberFromBlobId(b.id);
      if (n !== undefined && n > epoch) epoch = n;
    }
    return epoch;
  }

  /** Stops without indexing anything more: packs stored since the last flush stay as orphans. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.packWrites]);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
