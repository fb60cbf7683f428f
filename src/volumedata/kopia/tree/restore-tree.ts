import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { LifeboatError } from '../../../errors/index.ts';
import { writeContents } from './file-contents.ts';
import {
  commitTemp,
  createTempFile,
  createTempSymlink,
  makeDirectory,
  prepareTarget,
  removeQuietly,
  setDirectoryAttributes,
  setHandleAttributes,
  setSymlinkAttributes,
  type AttributePolicy,
} from './restore-fs.ts';
import { checkDirectoryEntries, type TreeEntry, type TreeSource } from './tree-entry.ts';

export interface RestoreProgress {
  files: number;
  bytes: number;
}

export interface RestoreOptions {
  /** The snapshot's root directory entry: its objectId is read, its mode/owner/mtime go to the target. */
  root: TreeEntry;
  /** Restore into a non-empty target, replacing files and symlinks of the same name (as kopia's --overwrite-*). */
  overwrite?: boolean;
  /** 'auto' (default): set owners only when running as root; failures as non-root are ignored. */
  owners?: 'auto' | 'always' | 'never';
  /** Set permission bits (default true). */
  permissions?: boolean;
  /** Keep zero blocks as holes (default true). */
  sparse?: boolean;
  /** Hole granularity in bytes (default 4096). */
  blockSize?: number;
  /** Files and symlinks written at once (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RestoreProgress) => void;
}

export interface SkippedEntry {
  path: string;
  reason: string;
}

export interface RestoreStats {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
  /** Zero bytes left as holes instead of written. */
  holeBytes: number;
  /** Entries of types a restore does not write (sockets, pipes, devices): the first 1000 of skippedCount. */
  skipped: SkippedEntry[];
  skippedCount: number;
}

const maxSkippedListed = 1000;

/** Files up to this size are read whole (TreeSource.readSmallFile) instead of streamed. */
const SMALL_FILE_BYTES = 256 << 10;

/** The chunks of a file read whole: the one buffer (none for an empty file). */
function once(data: Buffer | undefined): AsyncIterable<Buffer> {
  const chunks = data === undefined ? [] : [data];
  return {
    [Symbol.asyncIterator]: () => {
      const it = chunks[Symbol.iterator]();
      return { next: () => Promise.resolve(it.next()) };
    },
  };
}

/** A counting semaphore for file slots. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.free = Math.max(1, limit);
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

class Restorer {
  readonly stats: RestoreStats = {
    files: 0,
    directories: 0,
    symlinks: 0,
    bytes: 0,
    holeBytes: 0,
    skipped: [],
    skippedCount: 0,
  };
  private failure: { error: unknown } | undefined;
  private readonly slots: Slots;
  private readonly policy: AttributePolicy;
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();

  private readonly source: TreeSource;
  private readonly options: RestoreOptions;

  constructor(source: TreeSource, options: RestoreOptions) {
    this.source = source;
    this.options = options;
    this.slots = new Slots(options.concurrency ?? 8);
    const owners = options.owners ?? 'auto';
    this.policy = {
      owners: owners === 'always' || (owners === 'auto' && process.getuid?.() === 0),
      permissions: options.permissions ?? true,
    };
    options.signal?.addEventListener('abort', () => this.fail(interrupted()), { once: true });
    if (options.signal?.aborted === true) this.fail(interrupted());
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  fail(error: unknown): void {
    if (this.failure === undefined) this.failure = { error };
    this.abort.abort();
  }

  /** Waits for every file and symlink still being written (after a failure: being removed). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Restores a directory's children, then (after all of them finished) its own attributes. */
  async directory(path: string, relative: string, entry: TreeEntry): Promise<void> {
    const entries = await this.source.readDirectory(entry.objectId);
    checkDirectoryEntries(entries, relative);
    const pending = new Set<Promise<void>>();
    for (const child of entries) {
      this.throwIfFailed();
      const childPath = join(path, child.name);
      const childRelative = relative === '' ? child.name : `${relative}/${child.name}`;
      if (child.type === 'directory') {
        await makeDirectory(childPath, this.options.overwrite ?? false);
        await this.directory(childPath, childRelative, child);
      } else if (child.type === 'file' || child.type === 'symlink') {
        await this.slots.acquire();
        const task = this.leaf(path, childPath, child).then(
          () => this.slots.release(),
          (err: unknown) => {
            this.slots.release();
            this.fail(err);
          },
        );
        pending.add(task);
        this.running.add(task);
        void task.then(() => {
          pending.delete(task);
          this.running.delete(task);
        });
      } else {
        if (this.stats.skippedCount++ < maxSkippedListed) {
          this.stats.skipped.push({
            path: childRelative,
            reason: 'unsupported entry type (socket, pipe or device)',
          });
        }
      }
    }
    await Promise.all(pending);
    this.throwIfFailed();
    await setDirectoryAttributes(path, entry, this.policy);
    this.stats.directories++;
  }

  private async leaf(directory: string, path: string, entry: TreeEntry): Promise<void> {
    this.throwIfFailed();
    if (entry.type === 'symlink') {
      const linkTarget = await this.source.readSymlink(entry);
      const temp = await createTempSymlink(directory, linkTarget);
      try {
        await setSymlinkAttributes(temp, entry, this.policy);
        await commitTemp(temp, path);
      } catch (err) {
        await removeQuietly(temp);
        throw err;
      }
      this.stats.symlinks++;
      return;
    }
    await this.file(directory, path, entry);
  }

  /** A file's bytes into a temp name in its directory, attributes through the descriptor, then the rename. */
  private async file(directory: string, path: string, entry: TreeEntry): Promise<void> {
    // Chunks in reused memory when the source lends them; else a small file's bytes come whole
    // when the source can (no stream to set up for them), or a stream.
    const chunks = this.source.fileChunks?.(entry);
    const whole =
      chunks === undefined && entry.size <= SMALL_FILE_BYTES
        ? await this.source.readSmallFile?.(entry)
        : undefined;
    const { path: temp, handle } = await createTempFile(directory);
    let stream: Readable | undefined;
    let closed = false;
    try {
      stream = chunks === undefined && whole === undefined ? await this.source.openFile(entry) : undefined;
      const onAbort = () => stream?.destroy(interrupted());
      this.signal.addEventListener('abort', onAbort, { once: true });
      const written = await writeContents(handle, chunks ?? stream ?? once(whole), {
        sparse: this.options.sparse ?? true,
        blockSize: this.options.blockSize ?? 4096,
        signal: this.signal,
        onBytes: (n) => {
          this.stats.bytes += n;
          this.options.onProgress?.({ files: this.stats.files, bytes: this.stats.bytes });
        },
      }).finally(() => this.signal.removeEventListener('abort', onAbort));
      if (written.length !== entry.size) throw wrongSize(path, entry, written.length);
      if (written.endsInHole) await handle.truncate(entry.size);
      await setHandleAttributes(handle, entry, this.policy);
      closed = true;
      await handle.close();
      this.throwIfFailed();
      await commitTemp(temp, path);
      this.stats.holeBytes += written.holeBytes;
      this.stats.files++;
      this.options.onProgress?.({ files: this.stats.files, bytes: this.stats.bytes });
    } catch (err) {
      stream?.destroy();
      if (!closed) await handle.close().catch(() => undefined);
      await removeQuietly(temp);
      throw err;
    }
  }
}

/** The CORRUPT error of a file whose contents do not have the size its entry gives. */
function wrongSize(path: string, entry: TreeEntry, length: number): LifeboatError {
  return new LifeboatError(
    'CORRUPT',
    `The snapshot file ${path} should hold ${entry.size} bytes but its contents gave ${length}.`,
    { hint: 'Check the repository with verify; restore another snapshot.' },
  );
}

/** A filesystem error (a directory where a file goes, no space, no permission) as the restore's failure. */
function asLifeboatError(err: unknown, target: string): unknown {
  if (err instanceof LifeboatError || !(err instanceof Error)) return err;
  return new LifeboatError('OPERATION_FAILED', `Restoring into ${target} failed: ${err.message}`, {
    hint: 'Check the target: free space, permissions, and nothing in the way of the restored names.',
    cause: err,
  });
}

function interrupted(): LifeboatError {
  return new LifeboatError('INTERRUPTED', 'The restore was interrupted.', {
    hint: 'Run the restore again into an empty directory, or allow overwriting to finish this one.',
  });
}

/**
 * Restores a snapshot's tree into target as `kopia snapshot restore` does: directories, files and
 * symlinks with their modes, owners (as root) and mtimes (set after contents, a directory's after its
 * children), files streamed with bounded memory and zero blocks kept as holes, several files at once.
 * Never follows a symlink: names are single components checked before use, files are created
 * O_EXCL|O_NOFOLLOW under a temp name and renamed into place, so an interrupted restore leaves no
 * half-written file under its final name.
 */
export async function restoreTree(
  source: TreeSource,
  target: string,
  options: RestoreOptions,
): Promise<RestoreStats> {
  if (options.root.type !== 'directory') {
    throw new LifeboatError('USAGE', 'A restore needs a snapshot whose root is a directory.', {
      hint: 'Pick a directory snapshot.',
    });
  }
  const restorer = new Restorer(source, options);
  restorer.throwIfFailed();
  await prepareTarget(target, options.overwrite ?? false);
  try {
    await restorer.directory(target, '', options.root);
  } catch (err) {
    restorer.fail(err);
    await restorer.settle();
    throw asLifeboatError(err, target);
  }
  return restorer.stats;
}
