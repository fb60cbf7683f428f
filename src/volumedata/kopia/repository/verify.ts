// Verifying a snapshot as `kopia snapshot verify` does: every directory read and decoded, every
// file's index objects read and each of its contents listed in the index and inside an existing
// pack; with readData, every content of every file read, decrypted, decompressed and hashed.
import { LifeboatError } from '../../../errors/index.ts';
import type { DirEntry } from '../object/dir-entry.ts';
import { formatObjectId } from '../object/object-id.ts';
import { type ObjectPiece, objectPieces, readObject, readPiece } from './object-reader.ts';
import type { KopiaRepository } from './repository.ts';
import { readDirectoryEntries } from './restore.ts';

export interface VerifyError {
  /** The entry's path in the snapshot ('' for the root). */
  path: string;
  contentId?: string;
  message: string;
}

export interface VerifyReport {
  directories: number;
  files: number;
  symlinks: number;
  /** Contents checked (file contents and index objects). */
  contents: number;
  /** File bytes read (readData) or whose contents were located (without it). */
  bytes: number;
  /** Every problem found (errors holds the first maxErrors of them). */
  errorCount: number;
  errors: VerifyError[];
}

export interface VerifyProgress {
  directories: number;
  files: number;
  bytes: number;
  errors: number;
}

export interface VerifyOptions {
  /** Read, decrypt and hash every content of every file (kopia's --verify-files-percent=100). */
  readData?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: VerifyProgress) => void;
  /** Files checked at once (default 8). */
  concurrency?: number;
  /** Errors kept in the report (default 20); all are counted. */
  maxErrors?: number;
}

/** Pack blob prefixes: data packs `p`, metadata packs `q`. */
const PACK_PREFIXES = ['p', 'q'];

class Verifier {
  readonly report: VerifyReport = {
    directories: 0,
    files: 0,
    symlinks: 0,
    contents: 0,
    bytes: 0,
    errorCount: 0,
    errors: [],
  };
  private readonly running = new Set<Promise<void>>();
  packs: Map<string, number> | undefined;
  private readonly repo: KopiaRepository;
  private readonly options: VerifyOptions;

  constructor(repo: KopiaRepository, options: VerifyOptions) {
    this.repo = repo;
    this.options = options;
  }

  async listPacks(): Promise<void> {
    const packs = new Map<string, number>();
    for (const prefix of PACK_PREFIXES) {
      for await (const b of this.repo.blobs.listBlobs(prefix)) packs.set(b.id, b.length);
    }
    this.packs = packs;
  }

  problem(path: string, err: unknown, contentId?: string): void {
    this.report.errorCount++;
    if (this.report.errors.length >= (this.options.maxErrors ?? 20)) return;
    const fromError = err instanceof LifeboatError ? err.details?.['contentId'] : undefined;
    const id = contentId ?? (typeof fromError === 'string' ? fromError : undefined);
    const message = err instanceof Error ? err.message : String(err);
    this.report.errors.push(id === undefined ? { path, message } : { path, contentId: id, message });
  }

  progress(): void {
    const r = this.report;
    this.options.onProgress?.({
      directories: r.directories,
      files: r.files,
      bytes: r.bytes,
      errors: r.errorCount,
    });
  }

  private fatal: { error: unknown } | undefined;

  private throwIfFatal(): void {
    if (this.fatal !== undefined) throw this.fatal.error;
  }

  /** Runs a file check with at most `concurrency` under way; an abort inside one is thrown here or by settle. */
  async spawn(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= Math.max(1, this.options.concurrency ?? 8)) await Promise.race(this.running);
    this.throwIfFatal();
    const p: Promise<void> = task()
      .catch((error: unknown) => {
        this.fatal ??= { error };
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    this.throwIfFatal();
  }

  async directory(path: string, objectId: string): Promise<void> {
    this.options.signal?.throwIfAborted();
    let entries: DirEntry[];
    try {
      entries = await readDirectoryEntries(this.repo, objectId);
    } catch (err) {
      this.problem(path, err);
      return;
    }
    this.report.directories++;
    for (const e of entries) {
      const child = path === '' ? e.name : `${path}/${e.name}`;
      const oid = formatObjectId(e.obj);
      if (e.type === 'd') await this.directory(child, oid);
      else if (e.type === 'f') await this.spawn(() => this.file(child, oid, e.size));
      else if (e.type === 's') await this.spawn(() => this.symlink(child, oid));
    }
    this.progress();
  }

  async symlink(path: string, objectId: string): Promise<void> {
    try {
      await readObject(this.repo, objectId, 64 << 10);
      this.report.symlinks++;
    } catch (err) {
      this.problem(path, err);
    }
  }

  async file(path: string, objectId: string, size: number): Promise<void> {
    let pieces: ObjectPiece[];
    try {
      pieces = await objectPieces(this.repo, objectId);
    } catch (err) {
      this.problem(path, err);
      return;
    }
    let ok = true;
    for (const piece of pieces) {
      this.options.signal?.throwIfAborted();
      try {
        if (this.options.readData === true) {
          const length = piece.length ?? (pieces.length === 1 ? size : undefined);
          const data = await readPiece(this.repo, length === undefined ? piece : { ...piece, length });
          this.report.bytes += data.length;
        } else {
          this.locate(piece);
          this.report.bytes += piece.length ?? size;
        }
        this.report.contents++;
      } catch (err) {
        ok = false;
        this.problem(path, err, piece.contentId);
      }
    }
    if (ok) this.report.files++;
  }

  /** The content is in the index, in a pack that exists and is long enough to hold it. */
  locate(piece: ObjectPiece): void {
    const info = this.repo.contentInfo(piece.contentId);
    if (info === undefined) {
      throw new LifeboatError(
        'CORRUPT',
        `content ${piece.contentId} of object ${piece.objectId} is missing from the index`,
        {
          details: { contentId: piece.contentId },
        },
      );
    }
    const packLength = this.packs?.get(info.packBlobId);
    if (packLength === undefined) {
      throw new LifeboatError(
        'CORRUPT',
        `object ${piece.objectId} is backed by missing blob ${info.packBlobId} (content ${piece.contentId})`,
        {
          details: { contentId: piece.contentId, packBlobId: info.packBlobId },
        },
      );
    }
    if (info.packOffset + info.packedLength > packLength) {
      throw new LifeboatError(
        'CORRUPT',
        `content ${piece.contentId} ends at ${info.packOffset + info.packedLength} of pack ${info.packBlobId}, which is ${packLength} bytes`,
        { details: { contentId: piece.contentId, packBlobId: info.packBlobId } },
      );
    }
  }
}

/**
 * Verifies a snapshot: problems are collected (naming the path and content), not thrown; only a
 * snapshot that cannot be found, or an abort, throws.
 */
export async function verifySnapshot(
  repo: KopiaRepository,
  snapshotId: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const snapshot = await repo.getSnapshot(snapshotId);
  const v = new Verifier(repo, options);
  if (options.readData !== true) await v.listPacks();
  const root = snapshot.rootEntry;
  if (root === null) v.problem('', new Error(`snapshot ${snapshotId} has no root entry`));
  else if (root.type === 'd') await v.directory('', formatObjectId(root.obj));
  else await v.spawn(() => v.file('', formatObjectId(root.obj), root.size));
  await v.settle();
  v.progress();
  return v.report;
}
