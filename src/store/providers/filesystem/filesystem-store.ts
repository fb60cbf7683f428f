import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LifeboatError } from '../../../errors/index.ts';
import {
  alreadyExists,
  checkRange,
  rangeBuffer,
  rangeOutsideObject,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from '../../object-store.ts';
import { classifyFsError } from './filesystem-errors.ts';

/** Where unfinished writes live: inside the root (same filesystem, so rename is atomic), never listed. */
const TEMP_DIR = '.lifeboat-tmp';

/** A new file, private, flushed to disk before it is closed (then renamed into place). */
const WRITE_OPTIONS = (signal?: AbortSignal) => ({ flag: 'wx', mode: 0o600, flush: true, signal }) as const;

export interface FilesystemStoreOptions {
  /** Absolute path of the root folder (the "bucket"). */
  root: string;
  /**
   * Create the root folder on the first write, and read a missing root as empty (default false:
   * a missing root is NOT_FOUND, like a missing bucket).
   */
  create?: boolean;
}

/**
 * An ObjectStore in a local (or mounted) folder: key "a/b/c" is the file ROOT/a/b/c. Writes go to a
 * temp file that is renamed into place, so a partial object is never visible.
 */
export class FilesystemObjectStore implements ObjectStore {
  readonly description: string;
  readonly atomicCreate = true;
  readonly #root: string;
  readonly #create: boolean;

  constructor(options: FilesystemStoreOptions) {
    if (!isAbsolute(options.root)) {
      throw new LifeboatError(
        'CONFIG',
        `filesystem location root '${options.root}' is not an absolute path`,
        {
          hint: 'give the bucket as an absolute folder path, e.g. /var/backups/lifeboat',
        },
      );
    }
    this.#root = options.root;
    this.#create = options.create ?? false;
    this.description = `file://${options.root}`;
  }

  /**
   * Writes a temp file (synced to disk before it is closed) and renames it into place (a create-only
   * put links it into place instead, which fails if the name is taken). Folders are
   * made when a write or rename finds them missing, not checked before every write: a backup's
   * files land in a folder that exists after its first one.
   */
  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<void> {
    const target = this.#path(key);
    const temp = join(this.#root, TEMP_DIR, `${randomBytes(12).toString('hex')}.part`);
    try {
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        await this.#inFolder(temp, () => writeFile(temp, body, WRITE_OPTIONS(options.signal)));
      } else {
        // A stream cannot be written twice: its folder is made first.
        await this.#ensureRoot();
        await mkdir(dirname(temp), { recursive: true });
        await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true }), {
          signal: options.signal,
        });
      }
      if (options.ifNoneMatch === '*') {
        // link() creates the name only if it is free (atomic, unlike a check then a rename).
        await this.#inFolder(target, () => link(temp, target));
        await unlink(temp).catch(() => undefined); // the object is in place; a stray temp file is harmless
      } else {
        await this.#inFolder(target, () => rename(temp, target));
      }
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && options.ifNoneMatch === '*')
        throw alreadyExists(key, this.description, err);
      throw classifyFsError(err, 'put', key, this.description);
    }
  }

  /** Runs a write of path; if its folder is missing, makes it (the root must exist unless create) and runs it again. */
  async #inFolder(path: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await this.#ensureRoot();
      await mkdir(dirname(path), { recursive: true });
      await write();
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.#path(key);
    try {
      const handle = await open(path, 'r');
      return handle.createReadStream();
    } catch (err) {
      throw await this.#classifyRead(err, 'get', key);
    }
  }

  /** Reads only the requested bytes (positioned reads into one buffer, `into` when it has room). */
  async getRange(key: string, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    checkRange(key, offset, length, this.description);
    const path = this.#path(key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw await this.#classifyRead(err, 'getRange', key);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile())
        throw await this.#classifyRead(
          Object.assign(new Error('not a file'), { code: 'EISDIR' }),
          'getRange',
          key,
        );
      if (offset + length > info.size)
        throw rangeOutsideObject(key, this.description, { offset, length }, info.size);
      const out = rangeBuffer(length, into);
      for (let done = 0; done < length;) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw rangeOutsideObject(key, this.description, { offset, length });
        done += bytesRead;
      }
      return out;
    } catch (err) {
      if (err instanceof LifeboatError) throw err;
      throw classifyFsError(err, 'getRange', key, this.description);
    } finally {
      await handle.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.#path(key));
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : undefined;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT' || (err as { code?: unknown }).code === 'ENOTDIR') {
        await this.#checkRoot('head', key);
        return undefined;
      }
      throw classifyFsError(err, 'head', key, this.description);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.#checkPrefix(prefix);
    await this.#checkRoot('list', prefix);
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
    yield* this.#walk(base, prefix);
  }

  async listCommonPrefixes(prefix: string, delimiter = '/'): Promise<string[]> {
    if (delimiter !== '/') {
      const found = new Set<string>();
      for await (const { key } of this.list(prefix)) {
        const at = key.indexOf(delimiter, prefix.length);
        if (at >= 0) found.add(key.slice(0, at + delimiter.length));
      }
      return [...found].sort(byteOrder);
    }
    this.#checkPrefix(prefix);
    await this.#checkRoot('list', prefix);
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
    const out: string[] = [];
    for (const entry of await this.#entries(base)) {
      const key = base + entry.name;
      if (entry.dir && key.startsWith(prefix) && (await this.#hasObjects(`${key}/`))) out.push(`${key}/`);
    }
    return out;
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    await this.#checkRoot('delete', key);
    try {
      await rm(path, { force: true });
      await this.#pruneEmptyParents(dirname(path));
    } catch (err) {
      throw classifyFsError(err, 'delete', key, this.description);
    }
  }

  async close(): Promise<void> {
    return Promise.resolve();
  }

  /** Yields every file under the folder `base` (a key prefix ending in "/" or ""), in key order. */
  async *#walk(base: string, prefix: string): AsyncGenerator<ObjectInfo> {
    for (const entry of await this.#entries(base)) {
      const key = base + entry.name;
      if (entry.dir) {
        const folder = `${key}/`;
        if (folder.startsWith(prefix) || prefix.startsWith(folder)) yield* this.#walk(folder, prefix);
        continue;
      }
      if (!key.startsWith(prefix)) continue;
      const info = await stat(join(this.#root, key)).catch(() => undefined);
      if (info?.isFile() === true) yield { key, size: info.size, lastModified: info.mtime };
    }
  }

  /** The entries of a folder sorted so that a depth-first walk visits keys in byte order. */
  async #entries(base: string): Promise<{ name: string; dir: boolean }[]> {
    let dirents;
    try {
      dirents = await readdir(join(this.#root, base), { withFileTypes: true });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw classifyFsError(err, 'list', base, this.description);
    }
    return dirents
      .filter((d) => !(base === '' && d.name === TEMP_DIR))
      .map((d) => ({ name: d.name, dir: d.isDirectory() }))
      .sort((a, b) => byteOrder(a.dir ? `${a.name}/` : a.name, b.dir ? `${b.name}/` : b.name));
  }

  async #hasObjects(folder: string): Promise<boolean> {
    for await (const _ of this.#walk(folder, folder)) return true;
    return false;
  }

  async #pruneEmptyParents(dir: string): Promise<void> {
    while (dir.startsWith(this.#root + sep) && dir !== this.#root) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): stop here
      }
      dir = dirname(dir);
    }
  }

  #path(key: string): string {
    const parts = key.split('/');
    if (key === '' || key.startsWith('/') || parts.some((p) => p === '..' || p === '.' || p === '')) {
      throw new LifeboatError('USAGE', `'${key}' is not a valid object key for ${this.description}`, {
        hint: 'object keys are relative paths without empty, "." or ".." segments',
        details: { transient: false, key },
      });
    }
    if (parts[0] === TEMP_DIR) {
      throw new LifeboatError('USAGE', `'${key}' is reserved in ${this.description}`, {
        details: { transient: false, key },
      });
    }
    return join(this.#root, ...parts);
  }

  #checkPrefix(prefix: string): void {
    if (prefix.startsWith('/') || prefix.split('/').some((p) => p === '..' || p === '.')) {
      throw new LifeboatError('USAGE', `'${prefix}' is not a valid key prefix for ${this.description}`, {
        details: { transient: false, key: prefix },
      });
    }
  }

  async #ensureRoot(): Promise<void> {
    if (this.#create) await mkdir(this.#root, { recursive: true });
    else await this.#checkRoot('put', '');
  }

  async #checkRoot(operation: string, key: string): Promise<void> {
    if (this.#create) return;
    const info = await stat(this.#root).catch(() => undefined);
    if (info?.isDirectory() === true) return;
    throw new LifeboatError('NOT_FOUND', `the location's folder ${this.#root} does not exist`, {
      hint: 'is the volume mounted? lifeboat location create makes the folder; check the bucket path of the location',
      details: { transient: false, key, operation },
    });
  }

  async #classifyRead(err: unknown, operation: string, key: string): Promise<LifeboatError> {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
      await this.#checkRoot(operation, key);
      return new LifeboatError('NOT_FOUND', `object ${key} not found in ${this.description}`, {
        cause: err,
        details: { transient: false, key },
      });
    }
    return classifyFsError(err, operation, key, this.description);
  }
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
