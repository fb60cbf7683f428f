import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LifeboatError, isLifeboatError, redact } from '../errors/index.ts';
import { holdsClaim } from './backup-claim.ts';
import { gzipJsonLine } from './gzip-json.ts';
import { BACKUP_METADATA_FILE, backupFileNames, type StoreLayout } from './layout.ts';
import { isAlreadyExists, type ObjectStore } from './object-store.ts';
import { nullObject } from '../model/index.ts';

export interface FileDigest {
  sha256: string;
  size: number;
}

/** The `<name>-checksums.json.gz` manifest. */
export interface ChecksumsFile {
  algorithm: 'sha256';
  files: Record<string, FileDigest>;
}

export interface AbortReport {
  deleted: string[];
  /** Keys that could not be deleted, with why; clean them up by deleting the backup later. */
  failed: { key: string; message: string }[];
}

/**
 * One backup being written (DESIGN.md §2.2): files are streamed in and hashed on the way, then
 * commit() writes the checksums manifest and velero-backup.json LAST, so a backup is visible only
 * once complete. Every object is written create-only (DESIGN.md §8): a key someone else wrote is
 * never overwritten, and the upload fails instead. abort() deletes everything it wrote so far (never
 * another writer's object), the name claim last.
 */
export class BackupUpload {
  readonly name: string;
  readonly #store: ObjectStore;
  readonly #layout: StoreLayout;
  readonly #files = new Map<string, FileDigest>();
  readonly #written = new Set<string>();
  #state: 'open' | 'committed' | 'aborted' = 'open';
  readonly #claimKey: string | undefined;
  readonly #claimBody: Buffer | undefined;

  /** claim: the name claim already written (see claimBackupName), listed in the checksums manifest. */
  constructor(
    store: ObjectStore,
    layout: StoreLayout,
    name: string,
    claim?: { fileName: string; body: Buffer },
  ) {
    this.#store = store;
    this.#layout = layout;
    this.name = name;
    if (claim !== undefined) {
      this.#claimKey = layout.backupKey(name, claim.fileName);
      this.#claimBody = claim.body;
      this.#written.add(this.#claimKey);
      this.#files.set(claim.fileName, {
        sha256: createHash('sha256').update(claim.body).digest('hex'),
        size: claim.body.length,
      });
    }
  }

  /** Streams one file into the backup folder while computing its sha256 and size. */
  async putFile(fileName: string, body: Readable | Buffer | string): Promise<FileDigest> {
    this.#checkOpen('putFile');
    const names = backupFileNames(this.name);
    const reserved = [BACKUP_METADATA_FILE, names.checksums, names.claim];
    if (fileName === '' || fileName.includes('/') || reserved.includes(fileName)) {
      throw new LifeboatError(
        'INTERNAL',
        `'${fileName}' cannot be written with putFile in backup ${this.name}`,
        {
          hint: 'velero-backup.json and the checksums manifest are written by commit()',
        },
      );
    }
    const key = this.#layout.backupKey(this.name, fileName);
    const digest = await this.#createOnly(key, () => putHashed(this.#store, key, body, { ifNoneMatch: '*' }));
    this.#files.set(fileName, digest);
    return digest;
  }

  /** Streams the backup's tarball, <name>.tar.gz. */
  putContents(body: Readable): Promise<FileDigest> {
    return this.putFile(backupFileNames(this.name).contents, body);
  }

  /** Runs a create-only write of key; the key counts as ours (to delete on abort) unless it was taken. */
  async #createOnly<T>(key: string, write: () => Promise<T>): Promise<T> {
    this.#written.add(key);
    try {
      return await write();
    } catch (err) {
      if (isAlreadyExists(err)) this.#written.delete(key);
      throw err;
    }
  }

  /** Every file put so far with its digest. */
  files(): ReadonlyMap<string, FileDigest> {
    return this.#files;
  }

  /** Writes `<name>-checksums.json.gz`, then velero-backup.json (as given, uncompressed) last. */
  async commit(veleroBackupJson: string): Promise<void> {
    this.#checkOpen('commit');
    const files = nullObject<FileDigest>();
    for (const fileName of [...this.#files.keys()].sort()) files[fileName] = this.#files.get(fileName)!;
    const manifest: ChecksumsFile = { algorithm: 'sha256', files };
    const checksumsKey = this.#layout.backupFileKey(this.name, 'checksums');
    await this.#createOnly(checksumsKey, () =>
      this.#store.put(checksumsKey, gzipJsonLine(manifest), {
        contentType: 'application/gzip',
        ifNoneMatch: '*',
      }),
    );
    const metadataKey = this.#layout.backupMetadataKey(this.name);
    await this.#createOnly(metadataKey, () =>
      this.#store.put(metadataKey, veleroBackupJson, { contentType: 'application/json', ifNoneMatch: '*' }),
    );
    this.#state = 'committed';
  }

  /**
   * Deletes every key this upload wrote, velero-backup.json first and the name claim last (until
   * its objects are gone the name stays taken, so no new writer's object can be deleted); best effort.
   */
  async abort(): Promise<AbortReport> {
    if (this.#state === 'committed') {
      throw new LifeboatError('INTERNAL', `backup ${this.name} is already committed; delete it instead`);
    }
    this.#state = 'aborted';
    const metadataKey = this.#layout.backupMetadataKey(this.name);
    const rank = (k: string) => (k === metadataKey ? 0 : k === this.#claimKey ? 2 : 1);
    const keys = [...this.#written].sort((a, b) => rank(a) - rank(b));
    const report: AbortReport = { deleted: [], failed: [] };
    for (const key of keys) {
      try {
        // A claim another writer's bytes replaced (a store without atomic create) is theirs: kept.
        if (key === this.#claimKey && !(await holdsClaim(this.#store, key, this.#claimBody!))) continue;
        await this.#store.delete(key);
        report.deleted.push(key);
      } catch (err) {
        report.failed.push({ key, message: err instanceof Error ? err.message : String(err) });
      }
    }
    return report;
  }

  #checkOpen(operation: string): void {
    if (this.#state !== 'open') {
      throw new LifeboatError('INTERNAL', `${operation} on backup ${this.name} after it was ${this.#state}`);
    }
  }
}

/** Puts a body while hashing it; stream bodies are never buffered whole. */
export async function putHashed(
  store: ObjectStore,
  key: string,
  body: Readable | Buffer | string,
  options: { ifNoneMatch?: '*' } = {},
): Promise<FileDigest> {
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    await store.put(key, data, { size: data.length, ...options });
    return { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
  }
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const piping = pipeline(body, meter);
  const putting = store.put(key, meter, options).catch((err: unknown) => {
    meter.destroy(err instanceof Error ? err : new Error(String(err)));
    body.destroy();
    throw err;
  });
  const [piped, put] = await Promise.allSettled([piping, putting]);
  if (piped.status === 'rejected') throw sourceFailure(piped.reason, key);
  if (put.status === 'rejected') throw put.reason;
  return { sha256: hash.digest('hex'), size };
}

function sourceFailure(reason: unknown, key: string): unknown {
  if (isLifeboatError(reason)) return reason;
  const message = reason instanceof Error ? reason.message : String(reason);
  return new LifeboatError('OPERATION_FAILED', `writing ${key} failed: ${redact(message)}`, {
    cause: reason,
    details: { key, transient: false },
  });
}
