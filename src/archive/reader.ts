import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { LifeboatError } from '../errors/index.ts';
import { nullObject } from '../model/index.ts';
import {
  archiveLimitExceeded,
  corruptArchive,
  DEFAULT_ARCHIVE_LIMITS,
  showBytes,
  type ArchiveLimits,
} from './limits.ts';
import { TarMeter } from './meter.ts';
import { parseArchivePath, type ParsedArchivePath } from './paths.ts';

export { corruptArchive, DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './limits.ts';

/**
 * Reads a backup tarball as a stream of entries, hardened against hostile input: every problem is a
 * LifeboatError CORRUPT naming the entry. Regular files only; symlinks, hard links, devices and
 * directories are skipped (never followed), as Velero's extractor does, and counted in `skipped`.
 * PAX and GNU long-name headers are understood. A path seen twice is refused (Velero writes each
 * once), and the caps of limits.ts (entry size, total size, expansion ratio) are checked as the
 * stream inflates. Each entry's bytes are buffered (bounded by maxEntryBytes) while the tar stream
 * waits; besides the paths seen, nothing else is kept.
 */

export interface ArchiveEntry {
  /** Normalised entry name (no `./`, no empty segments). */
  path: string;
  size: number;
  data: Buffer;
  parsed: ParsedArchivePath;
}

export interface SkippedEntries {
  count: number;
  /** Per tar entry type (`symlink`, `directory`, `link`, …). */
  byType: Record<string, number>;
  /** The first few skipped names, for messages. */
  examples: string[];
}

export class BackupArchiveReader implements AsyncIterable<ArchiveEntry> {
  readonly skipped: SkippedEntries = { count: 0, byType: nullObject(), examples: [] };
  /** Content of `metadata/version` without its newline (`1.1.0`, or `1` before Velero 1.4). */
  version: string | undefined;
  /** Entries seen, of any type. */
  entries = 0;
  readonly #input: Readable;
  readonly #limits: Required<ArchiveLimits>;
  #started = false;

  constructor(input: Readable, limits: ArchiveLimits = {}) {
    this.#input = input;
    this.#limits = { ...DEFAULT_ARCHIVE_LIMITS, ...limits };
  }

  [Symbol.asyncIterator](): AsyncIterator<ArchiveEntry> {
    if (this.#started) throw new Error('a backup archive can be read only once');
    this.#started = true;
    return this.#read();
  }

  async *#read(): AsyncGenerator<ArchiveEntry> {
    const limits = this.#limits;
    const gunzip = createGunzip();
    let current = '(before the first entry)';
    const meter = new TarMeter(
      limits,
      () => gunzip.bytesWritten,
      () => current,
    );
    const tar = extract();
    let failure: unknown;
    const fail = (err: unknown) => {
      failure ??= err;
      tar.destroy(err instanceof Error ? err : new Error(String(err)));
    };
    this.#input.on('error', fail);
    gunzip.on('error', (err: Error & { code?: string }) => {
      const what =
        err.code === 'Z_BUF_ERROR'
          ? 'the gzip stream is truncated'
          : `not a valid gzip stream (${err.message})`;
      fail(corruptArchive(`cannot read backup archive at entry ${current}: ${what}`, err));
    });
    meter.on('error', fail);
    this.#input.pipe(gunzip).pipe(meter).pipe(tar);
    // Paths of the entries seen (directories excepted, which an extraction may meet twice harmlessly).
    const seen = new Set<string>();
    let nameBytes = 0;
    try {
      for await (const entry of tar) {
        const header: Header = entry.header;
        current = shownName(header.name);
        if (++this.entries > limits.maxEntries) {
          throw corruptArchive(`backup archive has more than ${limits.maxEntries} entries (at ${current})`);
        }
        const path = checkedPath(header.name, limits.maxPathBytes, limits.maxPathSegments);
        checkSizeField(path, header.size);
        if (header.type !== 'directory') {
          refuseDuplicate(seen, path);
          nameBytes += path.length;
          if (nameBytes > limits.maxNameBytes) {
            throw corruptArchive(
              `backup archive's entry names add up to more than ${showBytes(limits.maxNameBytes)} (at entry ${current})`,
              undefined,
              { check: 'names', entry: path },
            );
          }
        }
        if (header.type !== 'file') {
          this.#skip(path, header.type ?? 'unknown');
          entry.resume();
          continue;
        }
        checkEntrySize(path, header.size, limits.maxEntryBytes);
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        const data = Buffer.concat(chunks);
        const parsed = parseArchivePath(path);
        if (parsed.kind === 'version') this.version = versionOf(data, path);
        yield { path, size: data.length, data, parsed };
      }
      if (failure !== undefined) throw describe(failure, current);
      if (!meter.endsWithTrailer()) {
        throw corruptArchive(
          `backup archive is truncated after entry ${current}: the tar end-of-archive blocks are missing`,
        );
      }
    } catch (err) {
      throw describe(failure ?? err, current);
    } finally {
      this.#input.unpipe(gunzip);
      this.#input.off('error', fail);
      gunzip.destroy();
      meter.destroy();
      tar.destroy();
    }
  }

  #skip(path: string, type: string): void {
    this.skipped.count++;
    this.skipped.byType[type] = (this.skipped.byType[type] ?? 0) + 1;
    if (this.skipped.examples.length < 20) this.skipped.examples.push(path);
  }
}

/** Streams the entries of a backup tarball; see BackupArchiveReader. */
export function readBackupArchive(input: Readable, limits?: ArchiveLimits): BackupArchiveReader {
  return new BackupArchiveReader(input, limits);
}

/** An entry name for messages: quoted, and cut short when long (a PAX path may be megabytes). */
function shownName(name: string): string {
  return name.length > 300 ? `${JSON.stringify(name.slice(0, 300))}…` : JSON.stringify(name);
}

/**
 * Velero writes each path once (an item and its `-preferredversion` twin are two paths); a second
 * entry at a path would overwrite the first on extraction, and repeating one large entry is how a
 * small archive fills a disk.
 */
function refuseDuplicate(seen: Set<string>, path: string): void {
  if (seen.has(path)) {
    throw corruptArchive(
      `backup archive holds entry ${shownName(path)} more than once: Velero writes each path once, so the archive is damaged or forged`,
      undefined,
      { check: 'duplicate', entry: path },
    );
  }
  seen.add(path);
}

/**
 * tar-stream reports an undecodable size field (base-256 with a marker other than 0x80/0xff) as
 * null and then waits for data that never ends the entry: the read would hang.
 */
function checkSizeField(path: string, size: unknown): void {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw corruptArchive(`entry ${shownName(path)} has an invalid size field`, undefined, {
      check: 'header',
      entry: path,
    });
  }
}

function checkEntrySize(path: string, size: number, max: number): void {
  if (size > max) {
    throw archiveLimitExceeded(
      'maxEntryBytes',
      path,
      `entry ${shownName(path)} is ${showBytes(size)}, more than the limit of ${showBytes(max)}`,
      { actual: size, max },
    );
  }
}

/** Refuses names that could leave the extraction directory; normalises `./` and `//` like filepath.Join. */
export function checkedPath(
  name: string,
  maxPathBytes: number = DEFAULT_ARCHIVE_LIMITS.maxPathBytes,
  maxPathSegments: number = DEFAULT_ARCHIVE_LIMITS.maxPathSegments,
): string {
  const shown = shownName(name);
  if (name.includes('\0')) throw corruptArchive(`entry ${shown} has a NUL character in its name`);
  if (Buffer.byteLength(name) > maxPathBytes) {
    throw corruptArchive(`entry name ${shown} is longer than ${maxPathBytes} bytes`);
  }
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name))
    throw corruptArchive(`entry ${shown} has an absolute path`);
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw corruptArchive(`entry ${shown} has a ".." path segment`);
  if (segments.length === 0) throw corruptArchive(`entry ${shown} has an empty name`);
  if (segments.length > maxPathSegments) {
    throw corruptArchive(`entry ${shown} has ${segments.length} path segments, more than ${maxPathSegments}`);
  }
  return segments.join('/');
}

function versionOf(data: Buffer, path: string): string {
  const text = data.toString('utf8');
  if (data.length > 64 || !/^\d+(\.\d+){0,2}\n?$/.test(text)) {
    throw corruptArchive(
      `entry ${JSON.stringify(path)} is not a backup format version (expected "1.1.0\\n" or "1\\n")`,
    );
  }
  return text.trimEnd();
}

function describe(err: unknown, current: string): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  if (err instanceof LifeboatError) return err;
  // Errors from tar-stream: bad checksums, unknown formats, data ending inside an entry.
  if (/tar|header|unexpected end|size mismatch/i.test(err.message)) {
    const what = /unexpected end/i.test(err.message) ? 'the tar stream is truncated' : err.message;
    return corruptArchive(`cannot read backup archive at entry ${current}: ${what}`, err);
  }
  return err;
}
