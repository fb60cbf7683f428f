import type { Readable } from 'node:stream';
import { LifeboatError, isLifeboatError } from '../errors/index.ts';
import { veleroBackupSchema, type VeleroBackup } from '../model/velero.ts';
import { claimBackupName, nameTaken, readBackupClaim, type BackupClaim } from './backup-claim.ts';
import { BackupUpload, putHashed, type FileDigest } from './backup-upload.ts';
import { StoreLayout } from './layout.ts';
import type { ObjectInfo, ObjectStore } from './object-store.ts';

export type { BackupClaim } from './backup-claim.ts';
export { BackupUpload, type AbortReport, type ChecksumsFile, type FileDigest } from './backup-upload.ts';

/** One object of a backup's folder. */
export interface BackupObject extends ObjectInfo {
  /** The name inside backups/<name>/, e.g. "b1.tar.gz". */
  fileName: string;
}

const MAX_METADATA_BYTES = 16 * 1024 * 1024;
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Backups and restores in one location, in Velero's layout, with the write-order protocol
 * (DESIGN.md §2.2): a folder without velero-backup.json is not a backup.
 */
export class BackupStore {
  readonly store: ObjectStore;
  readonly layout: StoreLayout;

  constructor(store: ObjectStore, prefix: string) {
    this.store = store;
    this.layout = new StoreLayout(prefix);
  }

  /** Names of complete backups (folders holding velero-backup.json), sorted. */
  async listBackupNames(): Promise<string[]> {
    const base = this.layout.backupsPrefix();
    const names = (await this.store.listCommonPrefixes(base)).map((p) => p.slice(base.length, -1));
    const present = await mapBounded(
      names,
      16,
      async (n) => (await this.store.head(this.layout.backupMetadataKey(n))) !== undefined,
    );
    return names.filter((_, i) => present[i]).sort();
  }

  /** velero-backup.json of a backup, validated; NOT_FOUND when absent, CORRUPT when unreadable. */
  async getBackup(name: string): Promise<VeleroBackup> {
    const key = this.layout.backupMetadataKey(name);
    const text = await this.#readText(key, `backup ${name}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw corrupt(key, 'is not valid JSON', err);
    }
    const parsed = veleroBackupSchema().safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw corrupt(
        key,
        `is not a Velero Backup (${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'invalid'})`,
      );
    }
    return parsed.data;
  }

  /** True when anything at all exists under backups/<name>/ (so a name is never reused). */
  async backupExists(name: string): Promise<boolean> {
    for await (const _ of this.store.list(this.layout.backupDir(name))) return true;
    return false;
  }

  async listBackupObjects(name: string): Promise<BackupObject[]> {
    const dir = this.layout.backupDir(name);
    const out: BackupObject[] = [];
    for await (const info of this.store.list(dir))
      out.push({ ...info, fileName: info.key.slice(dir.length) });
    return out;
  }

  getBackupObject(name: string, fileName: string): Promise<Readable> {
    return this.store.get(this.layout.backupKey(name, fileName));
  }

  /** Deletes everything under backups/<name>/, velero-backup.json first; returns the deleted keys. */
  async deleteBackup(name: string): Promise<string[]> {
    checkName(name, 'backup');
    const metadataKey = this.layout.backupMetadataKey(name);
    const keys = (await this.listBackupObjects(name)).map((o) => o.key).filter((k) => k !== metadataKey);
    await this.store.delete(metadataKey);
    await mapBounded(keys, 8, (key) => this.store.delete(key));
    return [metadataKey, ...keys];
  }

  /** Velero's IsValid: every top-level directory under the prefix must be one Velero knows. */
  async validate(): Promise<{ valid: boolean; invalidPrefixes: string[] }> {
    const prefixes = await this.store.listCommonPrefixes(this.layout.root());
    const invalidPrefixes = this.layout.invalidTopLevel(prefixes);
    return { valid: invalidPrefixes.length === 0, invalidPrefixes };
  }

  /**
   * Starts writing a new backup: ALREADY_EXISTS when anything is under backups/<name>/, then takes
   * the name with a create-only claim (so of two writers racing for one name, one fails before it
   * writes anything). Every later object of the upload is written create-only too.
   */
  async beginBackup(name: string, options: { cluster?: string | undefined } = {}): Promise<BackupUpload> {
    checkName(name, 'backup');
    if (await this.backupExists(name)) {
      const holder = (await readBackupClaim(this.store, this.layout, name).catch(() => undefined))?.cluster;
      if (typeof holder === 'string') throw nameTaken(name, this.store.description, holder, options.cluster);
      throw new LifeboatError(
        'ALREADY_EXISTS',
        `backup ${name} already exists in ${this.store.description}`,
        {
          hint: 'choose another backup name, or delete the old backup first (lifeboat backup delete)',
          details: { backup: name },
        },
      );
    }
    const claim = await claimBackupName(this.store, this.layout, name, options.cluster);
    return new BackupUpload(this.store, this.layout, name, claim);
  }

  /**
   * Takes a backup name with a create-only claim, for a record written without contents (a run
   * that failed before its backup could be stored). ALREADY_EXISTS when another writer holds it.
   */
  async claimBackup(name: string, cluster: string | undefined): Promise<void> {
    checkName(name, 'backup');
    await claimBackupName(this.store, this.layout, name, cluster);
  }

  /** The claim of a backup folder (who wrote it), or undefined when it has none. */
  readClaim(name: string): Promise<BackupClaim | undefined> {
    return readBackupClaim(this.store, this.layout, name);
  }

  /** Writes one file of a restore's folder (restores/<restore>/<fileName>). */
  putRestoreFile(
    restoreName: string,
    fileName: string,
    body: Readable | Buffer | string,
  ): Promise<FileDigest> {
    checkName(restoreName, 'restore');
    if (fileName === '' || fileName.includes('/')) {
      throw new LifeboatError('INTERNAL', `'${fileName}' is not a restore file name`);
    }
    return putHashed(this.store, this.layout.restoreKey(restoreName, fileName), body);
  }

  async listRestoreNames(): Promise<string[]> {
    const base = this.layout.restoresPrefix();
    return (await this.store.listCommonPrefixes(base)).map((p) => p.slice(base.length, -1)).sort();
  }

  getRestoreObject(restoreName: string, fileName: string): Promise<Readable> {
    return this.store.get(this.layout.restoreKey(restoreName, fileName));
  }

  /** Deletes everything under restores/<name>/ (Velero's DeleteRestore); returns the deleted keys. */
  async deleteRestore(restoreName: string): Promise<string[]> {
    checkName(restoreName, 'restore');
    const keys: string[] = [];
    for await (const info of this.store.list(this.layout.restoreDir(restoreName))) keys.push(info.key);
    await mapBounded(keys, 8, (key) => this.store.delete(key));
    return keys;
  }

  async #readText(key: string, what: string): Promise<string> {
    let stream: Readable;
    try {
      stream = await this.store.get(key);
    } catch (err) {
      if (isLifeboatError(err) && err.code === 'NOT_FOUND' && !/bucket|container|folder/.test(err.message)) {
        throw new LifeboatError('NOT_FOUND', `${what} not found in ${this.store.description}`, {
          cause: err,
          hint: 'list the backups of this location with: lifeboat backup get',
          details: { key, transient: false },
        });
      }
      throw err;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > MAX_METADATA_BYTES) {
        stream.destroy();
        throw corrupt(key, `is larger than ${MAX_METADATA_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

function corrupt(key: string, what: string, cause?: unknown): LifeboatError {
  return new LifeboatError('CORRUPT', `${key} ${what}`, {
    cause,
    hint: 'the backup metadata is damaged; restore it from another copy or delete the backup',
    details: { key },
  });
}

function checkName(name: string, kind: string): void {
  if (!NAME.test(name) || name.length > 253) {
    throw new LifeboatError('USAGE', `'${name}' is not a valid ${kind} name`, {
      hint: 'use letters, digits, "-", "_" and "." (a Kubernetes object name)',
    });
  }
}

async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
