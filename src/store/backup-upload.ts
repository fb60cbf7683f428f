import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LifeboatError, isLifeboatError, redact } from '../errors/index.ts';
import { gzipJsonLine } from './gzip-json.ts';
import { BACKUP_METADATA_FILE, backupFileNames, type StoreLayout } from './layout.ts';
import type { ObjectStore } from './object-store.ts';
import { nullObject } from '../model/dictionary.ts';

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
 * once complete. abort() deletes everything written so far.
 */
export class BackupUpload {
  readonly name: string;
  readonly #store: ObjectStore;
  readonly #layout: StoreLayout;
  readonly #files = new Map<string, FileDigest>();
  readonly #written = new Set<string>();
  #state: 'open' | 'committed' | 'aborted' = 'open';

  constructor(store: ObjectStore, layout: StoreLayout, name: string) {
    this.#store = store;
    this.#layout = layout;
    this.name = name;
  }

  /** Streams one file into the backup folder while computing its sha256 and size. */
  async putFile(fileName: string, body: Readable | Buffer | string): Promise<FileDigest> {
    this.#checkOpen('putFile');
    const reserved = [BACKUP_METADATA_FILE, backupFileNames(this.name).checksums];
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
    this.#written.add(key);
    const digest = await putHashed(this.#store, key, body);
    this.#files.set(fileName, digest);
    return digest;
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
    const checksumsKey = this.#layout.backupChecksumsKey(this.name);
    this.#written.add(checksumsKey);
    await this.#store.put(checksumsKey, gzipJsonLine(manifest), { contentType: 'application/gzip' });
    const metadataKey = this.#layout.backupMetadataKey(this.name);
    this.#written.add(metadataKey);
    await this.#store.put(metadataKey, veleroBackupJson, { contentType: 'application/json' });
    this.#state = 'committed';
  }

  /** Deletes every key this upload wrote (velero-backup.json first); best effort. */
  async abort(): Promise<AbortReport> {
    if (this.#state === 'committed') {
      throw new LifeboatError('INTERNAL', `backup ${this.name} is already committed; delete it instead`);
    }
    this.#state = 'aborted';
    const metadataKey = this.#layout.backupMetadataKey(this.name);
    const keys = [...this.#written].sort((a, b) => Number(b === metadataKey) - Number(a === metadataKey));
    const report: AbortReport = { deleted: [], failed: [] };
    for (const key of keys) {
      try {
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
): Promise<FileDigest> {
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    await store.put(key, data, { size: data.length });
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
  const putting = store.put(key, meter).catch((err: unknown) => {
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
