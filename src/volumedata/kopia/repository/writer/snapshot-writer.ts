import { basename } from 'node:path';
import { LifeboatError } from '../../../../errors/index.ts';
import { createSplitter, DEFAULT_SPLITTER } from '../../object/splitter.ts';
import { type DirEntry, sameDirEntry, sameDirSummary } from '../../object/dir-entry.ts';
import { DirManifestBuilder, encodeDirManifest } from '../../object/directory.ts';
import { encodeManifestContent, MANIFEST_PREFIX, newManifestId } from '../../object/manifest.ts';
import {
  snapshotManifestEntry,
  type SnapshotManifest,
  type SnapshotSource,
  type SnapshotStats,
} from '../../object/snapshot-manifest.ts';
import { walkTree, type LocalDirectory } from '../../tree/walk-tree.ts';
import { BufferPool } from './buffer-pool.ts';
import { ContentWriter } from './content-writer.ts';
import {
  dirEntryFor,
  type EntryWriterContext,
  METADATA_COMPRESSOR,
  unchangedFile,
  writeDirectoryObject,
  writeFile,
  writeSymlink,
} from './entry-writer.ts';
import { ParentTree } from './parent-tree.ts';
import { type CryptoPool, startCryptoPool, type WorkerCount, workerCount } from '../crypto-pool.ts';
import type { KopiaRepository } from '../repository.ts';
import { pooledSealer } from './seal-pool.ts';
import type { Sealer } from './sealer.ts';
import { Semaphore } from './semaphore.ts';

/**
 * Files larger than this are read at most LARGE_FILES_AT_ONCE at a time: each holds two chunk
 * buffers of the splitter's maximum segment (8 MiB) for as long as it is read, and on two cores two
 * such files already keep hashing and sealing busy (measured on 2 GiB in 4 files: four at once
 * peaked at 271–297 MB against 211–215 MB for two).
 */
const LARGE_FILE_BYTES = 32 << 20;
const LARGE_FILES_AT_ONCE = 2;
/**
 * Files written at once by default. A small file is one round trip to a worker after another
 * (hash, look up, seal), so more of them in flight keep the workers fed: 10k files of 1 GiB on two
 * cores with one worker, interleaved runs, 8 at once took 4.6–5.8 s against 5.9–6.6 s for 4.
 */
const FILES_AT_ONCE = 8;

export interface SnapshotProgress {
  files: number;
  bytes: number;
  uploadedBytes: number;
  totalFiles?: number;
  totalBytes?: number;
}

export interface CreateSnapshotOptions {
  source: SnapshotSource;
  tags?: Record<string, string>;
  description?: string;
  pin?: string[];
  /** The snapshot whose unchanged files are reused unread: 'latest' of the same source (default) or none. */
  parent?: SnapshotManifest | 'latest' | 'none';
  /** Files written at once (default FILES_AT_ONCE; large ones at most LARGE_FILES_AT_ONCE). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: SnapshotProgress) => void;
  /**
   * Worker threads hashing file chunks, which reach them in shared memory (default 0: all on this
   * thread; 'auto': one per idle core beyond this thread's, see workerCount).
   */
  workers?: WorkerCount;
  /** Hashing and sealing of the caller's own (then workers is ignored; the caller closes it). */
  sealer?: Sealer;
  /**
   * The directories of dir as walkTree(dir) yields them, from a walk the caller started (a
   * readAheadWalk begun before the repository was opened); default: walkTree(dir).
   */
  walk?: AsyncIterable<LocalDirectory>;
}

/** The caller's sealer, or one hashing on a pool of options.workers threads (none: undefined). */
function sealerOf(
  repo: KopiaRepository,
  options: CreateSnapshotOptions,
): { pool: CryptoPool | undefined; sealer: Sealer | undefined } {
  if (options.sealer !== undefined) return { pool: undefined, sealer: options.sealer };
  const pool = startCryptoPool(repo, { workers: workerCount(options.workers ?? 0) });
  return { pool, sealer: pool === undefined ? undefined : pooledSealer(repo, pool) };
}

/** What the writer did besides kopia's snapshot statistics. */
export interface SnapshotWriteStats {
  /** Plaintext bytes of the contents this snapshot added to the repository. */
  uploadedBytes: number;
  writtenContents: number;
  packs: number;
  packBytes: number;
  /** Hashes and seals done on worker threads. */
  onWorkers: number;
  /** Directories equal to the parent snapshot's, whose object was kept unwritten. */
  unchangedDirs: number;
}

export type CreatedSnapshot = SnapshotManifest & { stats: SnapshotStats & SnapshotWriteStats };

async function resolveParent(
  repo: KopiaRepository,
  options: CreateSnapshotOptions,
): Promise<SnapshotManifest | undefined> {
  const parent = options.parent ?? 'latest';
  if (parent === 'none') return undefined;
  if (parent !== 'latest') return parent;
  const { host, userName, path } = options.source;
  const all = await repo.listSnapshots({ host, userName, path });
  let best: SnapshotManifest | undefined;
  for (const s of all) {
    if (s.incomplete) continue;
    if (best === undefined || s.startTime > best.startTime) best = s;
  }
  return best;
}

/** The repository's splitter (kopia's default when the format names none) and chunk buffers for it. */
function splitterOf(
  repo: KopiaRepository,
  concurrency: number,
  shared: boolean,
): { splitter: string; chunkBuffers: BufferPool } {
  const splitter = repo.format.config.splitter === '' ? DEFAULT_SPLITTER : repo.format.config.splitter;
  // A file being read holds a buffer, and one more while its last chunk waits for room in a pack.
  const chunkBuffers = new BufferPool(createSplitter(splitter).maxSegmentSize, 2 * concurrency, { shared });
  return { splitter, chunkBuffers };
}

interface Counters {
  unchangedDirs: number;
  files: number;
  cachedFiles: number;
  bytes: number;
  dirs: number;
}

/**
 * Snapshots a local directory into the repository as kopia's uploader does: files split and
 * written (several at once), symlinks as objects, each directory's manifest once its children are
 * written, then the snapshot manifest — written after the index of every content it names, so a
 * crash leaves orphan packs at most.
 */
export async function createSnapshot(
  repo: KopiaRepository,
  dir: string,
  options: CreateSnapshotOptions,
): Promise<CreatedSnapshot> {
  const startTime = BigInt(Date.now()) * 1_000_000n;
  const parent = await resolveParent(repo, options);
  const { pool, sealer } = sealerOf(repo, options);
  const contents = new ContentWriter(repo, {
    ...(sealer === undefined ? {} : { sealer }),
    username: options.source.userName,
    hostname: options.source.host,
  });
  const counters: Counters = { files: 0, cachedFiles: 0, bytes: 0, dirs: 0, unchangedDirs: 0 };
  const report = () =>
    options.onProgress?.({
      files: counters.files,
      bytes: counters.bytes,
      uploadedBytes: contents.stats.writtenBytes,
    });
  const concurrency = options.concurrency ?? FILES_AT_ONCE;
  const ctx: EntryWriterContext = {
    contents,
    ...splitterOf(repo, concurrency, sealer !== undefined),
    signal: options.signal,
    onBytes: (n) => {
      counters.bytes += n;
      report();
    },
  };
  try {
    const walk = options.walk ?? walkTree(dir);
    const root = await writeTree(ctx, dir, walk, parent, repo, counters, concurrency);
    await contents.flush();
    const manifest: SnapshotManifest = {
      id: '',
      source: options.source,
      description: options.description ?? '',
      startTime,
      endTime: BigInt(Date.now()) * 1_000_000n,
      stats: {
        totalSize: root.summ?.size ?? 0,
        excludedTotalSize: 0,
        fileCount: counters.files,
        cachedFiles: counters.cachedFiles,
        nonCachedFiles: counters.files - counters.cachedFiles,
        dirCount: counters.dirs,
        excludedFileCount: 0,
        excludedDirCount: 0,
        ignoredErrorCount: 0,
        errorCount: 0,
      },
      rootEntry: root,
      tags: options.tags,
      pins: options.pin,
    };
    const id = newManifestId();
    const entry = snapshotManifestEntry(manifest, id, BigInt(Date.now()) * 1_000_000n);
    await contents.writeContent(encodeManifestContent([entry]), MANIFEST_PREFIX, METADATA_COMPRESSOR);
    await contents.flush();
    report();
    return {
      ...manifest,
      id,
      stats: {
        ...manifest.stats,
        uploadedBytes: contents.stats.writtenBytes,
        writtenContents: contents.stats.writtenContents,
        packs: contents.stats.packs,
        packBytes: contents.stats.packBytes,
        onWorkers: pool?.answered ?? 0,
        unchangedDirs: counters.unchangedDirs,
      },
    };
  } finally {
    await contents.close();
    await pool?.close();
  }
}

function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

async function writeTree(
  ctx: EntryWriterContext,
  dir: string,
  walk: AsyncIterable<LocalDirectory>,
  parent: SnapshotManifest | undefined,
  repo: KopiaRepository,
  counters: Counters,
  concurrency: number,
): Promise<DirEntry> {
  const previous = new ParentTree(repo, parent?.rootEntry ?? null);
  const files = new Semaphore(Math.max(1, concurrency));
  const largeFiles = new Semaphore(Math.max(1, Math.min(LARGE_FILES_AT_ONCE, Math.floor(concurrency / 2))));
  const written = new Map<string, Promise<DirEntry>>();
  let failure: Error | undefined;
  const fail = (err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
  };
  const check = () => {
    if (failure !== undefined) throw failure;
  };
  for await (const d of walk) {
    check();
    ctx.signal?.throwIfAborted();
    const before = await previous.entries(d.relativePath);
    const beforeSelf = before === undefined ? undefined : await previous.self(d.relativePath);
    const children: Array<Promise<DirEntry>> = [];
    for (const e of d.entries) {
      const childPath = d.relativePath === '' ? e.name : `${d.relativePath}/${e.name}`;
      if (e.type === 'directory') {
        const child = written.get(childPath);
        written.delete(childPath);
        if (child !== undefined) children.push(child);
      } else if (e.type === 'symlink') {
        children.push(quiet(writeSymlink(ctx, e)));
      } else {
        counters.files++;
        const old = before?.get(e.name);
        if (unchangedFile(e, old)) {
          counters.cachedFiles++;
          ctx.onBytes?.(e.size); // reused unread, but part of the snapshot's bytes
          children.push(Promise.resolve(dirEntryFor(e, old.obj)));
          continue;
        }
        const large = e.size > LARGE_FILE_BYTES;
        if (large) await largeFiles.acquire();
        await files.acquire();
        check();
        const upload = writeFile(ctx, d.path, e).finally(() => {
          files.release();
          if (large) largeFiles.release();
        });
        upload.catch(fail);
        children.push(upload);
      }
    }
    counters.dirs++;
    const self = writeDirectory(ctx, d, children, beforeSelf, before).then((written) => {
      if (written.obj === beforeSelf?.obj) counters.unchangedDirs++;
      return written;
    });
    self.catch(fail);
    previous.forget(d.relativePath);
    written.set(d.relativePath, self);
  }
  const root = written.get('');
  if (root === undefined) {
    throw new LifeboatError('NOT_FOUND', `${dir} vanished during the snapshot`, {
      hint: 'Snapshot an existing directory.',
    });
  }
  const entry = await root;
  return { ...entry, name: basename(dir) };
}

/**
 * Writes a directory's manifest once its children are written. A directory whose entries and
 * summary equal the parent snapshot's would encode to the same bytes, so to the same object: it
 * keeps the parent's object unwritten (a no-change re-snapshot then encodes and hashes no
 * directory).
 */
async function writeDirectory(
  ctx: EntryWriterContext,
  d: LocalDirectory,
  children: Array<Promise<DirEntry>>,
  beforeSelf: DirEntry | undefined,
  before: ReadonlyMap<string, DirEntry> | undefined,
): Promise<DirEntry> {
  const builder = new DirManifestBuilder();
  const entries = await Promise.all(children);
  for (const child of entries) builder.addEntry(child);
  const manifest = builder.build(d.self.mtimeNs);
  const unchanged =
    beforeSelf !== undefined &&
    before?.size === entries.length &&
    sameDirSummary(manifest.summary, beforeSelf.summ) &&
    entries.every((e) => sameDirEntry(e, before.get(e.name)));
  const obj = unchanged ? beforeSelf.obj : await writeDirectoryObject(ctx, encodeDirManifest(manifest));
  // kopia's localfs gives directories no size: their entries carry only the summary.
  return { ...dirEntryFor(d.self, obj, 0), summ: manifest.summary };
}
