import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { pack, type Pack } from 'tar-stream';
import { BACKUP_FORMAT_VERSION } from '../model/velero.ts';
import { itemPaths, METADATA_VERSION_PATH, type ItemLocation } from './paths.ts';

/**
 * Streams a backup tarball the way Velero's BackupWithResolvers does (spec/velero-format.md §2.1):
 * gzip(tar), `metadata/version` first, then every item at its classic path plus the preferred-version
 * twin. Each entry is a regular file (typeflag '0'), mode 0755, uid/gid 0, empty uname/gname, mtime
 * in whole seconds; no directory entries. Names that do not fit the 100-byte USTAR name field are
 * split into USTAR prefix + name when possible, otherwise carried in a PAX `path` record — both read
 * by Go's archive/tar, GNU tar and the reader here.
 *
 * Memory stays bounded: addItem resolves only once the tar stream has accepted the item, and the tar
 * stream only accepts more when the gzip output is being read.
 */

export interface ArchiveItem extends ItemLocation {
  /** The item's bytes (goMarshal of the object), written identically at each of its paths. */
  json: string | Buffer;
}

export interface BackupArchiveWriterOptions {
  /** Clock for entry mtimes (tests). */
  now?: () => Date;
}

export class BackupArchiveWriter {
  /** The .tar.gz bytes. Destroying it aborts the writer (pending and later calls reject). */
  readonly output: Readable;
  readonly #pack: Pack;
  readonly #gzip: Gzip;
  readonly #blocks: Transform;
  readonly #now: () => Date;
  #entries = 0;
  #items = 0;
  #bytes = 0;
  #compressedBytes = 0;
  #finishing = false;
  #abortReason: Error | undefined;

  constructor(options: BackupArchiveWriterOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#pack = pack();
    this.#gzip = createGzip();
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        this.#compressedBytes += chunk.length;
        callback(null, chunk);
      },
      // The consumer gave up (or gzip failed): stop the tar stream at once, so waiting calls reject.
      destroy: (err: Error | null, callback: (error?: Error | null) => void) => {
        if (!counter.readableEnded) {
          this.#abort(err ?? new Error('the archive output was closed before the archive was finished'));
        }
        callback(err);
      },
    });
    // tar-stream emits each 512-byte header and small body separately; gzip is far cheaper fed in blocks.
    const blocks = batchInto(64 * 1024);
    this.#blocks = blocks;
    this.#pack.pipe(blocks).pipe(this.#gzip);
    this.#gzip.pipe(counter);
    this.#pack.on('error', (err: Error) => blocks.destroy(err));
    blocks.on('error', (err: Error) => this.#gzip.destroy(err));
    this.#gzip.on('error', (err) => counter.destroy(err));
    this.output = counter;
  }

  /** Number of tar entries written (the version file and every path of every item). */
  get entries(): number {
    return this.#entries;
  }

  /** Number of items added. */
  get items(): number {
    return this.#items;
  }

  /** Uncompressed bytes of entry contents written. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes of .tar.gz produced so far (counted without consuming the output). */
  get compressedBytes(): number {
    return this.#compressedBytes;
  }

  /** The `metadata/version` entry, written first: content `1.1.0\n`. */
  async writeVersion(version: string = BACKUP_FORMAT_VERSION): Promise<void> {
    await this.#entry(METADATA_VERSION_PATH, Buffer.from(`${version}\n`));
  }

  /** Writes the item at every path Velero would (itemPaths), same bytes each time. */
  async addItem(item: ArchiveItem): Promise<void> {
    const data = typeof item.json === 'string' ? Buffer.from(item.json) : item.json;
    for (const path of itemPaths(item)) await this.#entry(path, data);
    this.#items++;
  }

  /** Ends the tar (two zero blocks) and the gzip member; resolves once everything is handed to the output. */
  async finish(): Promise<void> {
    if (!this.#finishing) {
      this.#finishing = true;
      this.#pack.finalize();
    }
    await finished(this.#gzip, { readable: false });
  }

  /** Abandons the archive: the output errors with reason and every pending call rejects. */
  abort(reason: Error = new Error('the archive was aborted')): void {
    this.#abort(reason);
    this.output.destroy(reason);
  }

  #abort(reason: Error): void {
    this.#abortReason ??= reason;
    if (!this.#pack.destroyed) this.#pack.destroy(reason);
    if (!this.#blocks.destroyed) this.#blocks.destroy(reason);
    if (!this.#gzip.destroyed) this.#gzip.destroy(reason);
  }

  #entry(name: string, data: Buffer): Promise<void> {
    if (this.#abortReason) return Promise.reject(this.#abortReason);
    if (this.#finishing) return Promise.reject(new Error(`cannot add ${name}: the archive is finished`));
    const seconds = Math.floor(this.#now().getTime() / 1000);
    return new Promise<void>((resolve, reject) => {
      try {
        const sink = this.#pack.entry(
          {
            name,
            size: data.length,
            type: 'file',
            mode: 0o755,
            uid: 0,
            gid: 0,
            uname: '',
            gname: '',
            mtime: new Date(seconds * 1000),
          },
          data,
          // An entry the tar stream took just before an abort still belongs to an abandoned archive.
          (err) => (err ? reject(err) : this.#abortReason ? reject(this.#abortReason) : resolve()),
        );
        // Failures reach the callback; without a listener the entry stream's own 'error' would be uncaught.
        sink.on('error', () => undefined);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    }).then(() => {
      this.#entries++;
      this.#bytes += data.length;
    });
  }
}

/** Gathers small chunks into blocks of at least `size` bytes (the last one may be smaller). */
function batchInto(size: number): Transform {
  let pending: Buffer[] = [];
  let length = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      pending.push(chunk);
      length += chunk.length;
      if (length < size) return callback();
      const block = Buffer.concat(pending, length);
      pending = [];
      length = 0;
      callback(null, block);
    },
    flush(callback: TransformCallback) {
      callback(null, length > 0 ? Buffer.concat(pending, length) : undefined);
    },
  });
}
