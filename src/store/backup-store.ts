import type { Readable } from 'node:stream';
import { LifeboatError, isLifeboatError } from '../errors/index.ts';
import {
  veleroBackupSchema,
  type ResourceList,
  type ResultsFile,
  type VeleroBackup,
} from '../model/index.ts';
import { claimBackupName, nameTaken, readBackupClaim, type BackupClaim } from './backup-claim.ts';
import { BackupUpload, putHashed, type ChecksumsFile, type FileDigest } from './backup-upload.ts';
import { mapBounded } from '../concurrency/index.ts';
import { checkName, corrupt, orUndefined } from './backup-store-io.ts';
import { readGzipJson } from './gzip-json.ts';
import {
  backupFileNames,
  restoreFileNames,
  StoreLayout,
  type BackupFile,
  type RestoreFile,
} from './layout.ts';
import type { ObjectInfo, ObjectStore } from './object-store.ts';

export type { BackupClaim } from './backup-claim.ts';
export { BackupUpload, type AbortReport, type ChecksumsFile, type FileDigest } from './backup-upload.ts';

/** One object of a backup's folder. */
export interface BackupObject extends ObjectInfo {
  /** The name inside backups/<name>/, e.g. "b1.tar.gz". */
  fileName: string;
}

/** The volume sidecars of a backup (spec/velero-format.md §5.6). */
export type VolumeFile = Extract<
  BackupFile,
  'volumeInfo' | 'volumeSnapshots' | 'csiVolumeSnapshots' | 'podVolumeBackups'
>;

const MAX_METADATA_BYTES = 16 * 1024 * 1024;

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
    const names = await this.listBackupFolders();
    const present = await mapBounded(names, 16, (n) => this.hasBackupMetadata(n));
    return names.filter((_, i) => present[i]).sort();
  }

  /** Every folder under backups/, complete or not, in listing order. */
  async listBackupFolders(): Promise<string[]> {
    const base = this.layout.backupsPrefix();
    return (await this.store.listCommonPrefixes(base)).map((p) => p.slice(base.length, -1));
  }

  /** True when backups/<name>/velero-backup.json exists (the backup is committed). */
  async hasBackupMetadata(name: string): Promise<boolean> {
    return (await this.store.head(this.layout.backupMetadataKey(name))) !== undefined;
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

  /** One object of backups/<name>/ by the name it is listed under (listBackupObjects, checksums). */
  getBackupObject(name: string, fileName: string): Promise<Readable> {
    return this.store.get(this.layout.backupKey(name, fileName));
  }

  /** The backup's tarball, <name>.tar.gz. */
  getBackupContents(name: string): Promise<Readable> {
    return this.store.get(this.layout.backupFileKey(name, 'contents'));
  }

  /** The backup's gzipped log, <name>-logs.gz. */
  getBackupLogs(name: string): Promise<Readable> {
    return this.store.get(this.layout.backupFileKey(name, 'logs'));
  }

  /** <name>-resource-list.json.gz, or undefined when the backup has none. */
  getResourceList(name: string): Promise<ResourceList | undefined> {
    return this.#optionalBackupJson<ResourceList>(name, 'resourceList');
  }

  /** <name>-results.gz, or undefined when the backup has none. */
  getResults(name: string): Promise<ResultsFile | undefined> {
    return this.#optionalBackupJson<ResultsFile>(name, 'results');
  }

  /** lifeboat's <name>-checksums.json.gz, or undefined (a Velero-made backup). */
  getChecksums(name: string): Promise<ChecksumsFile | undefined> {
    return this.#optionalBackupJson<ChecksumsFile>(name, 'checksums');
  }

  /** lifeboat's <name>-cluster-profile.json.gz, unparsed, or undefined when the backup has none. */
  getClusterProfile(name: string): Promise<unknown> {
    return this.#optionalBackupJson<unknown>(name, 'clusterProfile');
  }

  /** One volume sidecar (volume info, native or CSI snapshots, pod volume backups), unparsed; undefined when absent. */
  getVolumeFile(name: string, file: VolumeFile): Promise<unknown> {
    return this.#optionalBackupJson<unknown>(name, file);
  }

  /** Writes velero-backup.json create-only, as is (a record written without contents). */
  async putBackupMetadata(name: string, json: string): Promise<void> {
    await this.store.put(this.layout.backupMetadataKey(name), json, {
      contentType: 'application/json',
      ifNoneMatch: '*',
    });
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
  async beginBackup(
    name: string,
    options: { cluster?: string | undefined; writer?: string | undefined } = {},
  ): Promise<BackupUpload> {
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
    const claim = await claimBackupName(
      this.store,
      this.layout,
      name,
      options.cluster,
      undefined,
      options.writer,
    );
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

  /** Writes one of Velero's files of a restore's folder (restores/<restore>/), already encoded. */
  putRestoreFile(
    restoreName: string,
    file: Exclude<RestoreFile, 'record'>,
    body: Readable | Buffer | string,
  ): Promise<FileDigest> {
    checkName(restoreName, 'restore');
    return putHashed(this.store, this.layout.restoreFileKey(restoreName, file), body);
  }

  /** Writes lifeboat's record of a restore, restore-<name>.json (indented JSON). */
  async putRestoreRecord(restoreName: string, record: unknown): Promise<void> {
    checkName(restoreName, 'restore');
    const key = this.layout.restoreFileKey(restoreName, 'record');
    await putHashed(this.store, key, `${JSON.stringify(record, null, 2)}\n`);
  }

  /** lifeboat's record of a restore, unparsed (NOT_FOUND for a restore made by Velero). */
  getRestoreRecord(restoreName: string): Promise<Readable> {
    return this.store.get(this.layout.restoreFileKey(restoreName, 'record'));
  }

  /** The restore's gzipped log, restore-<name>-logs.gz. */
  getRestoreLogs(restoreName: string): Promise<Readable> {
    return this.store.get(this.layout.restoreFileKey(restoreName, 'logs'));
  }

  /** restore-<name>-results.gz, or undefined when the restore has none. */
  getRestoreResults(restoreName: string): Promise<ResultsFile | undefined> {
    return this.#optionalRestoreJson<ResultsFile>(restoreName, 'results');
  }

  /** restore-<name>-resource-list.json.gz, or undefined when the restore has none. */
  getRestoreResourceList(restoreName: string): Promise<ResourceList | undefined> {
    return this.#optionalRestoreJson<ResourceList>(restoreName, 'resourceList');
  }

  async listRestoreNames(): Promise<string[]> {
    const base = this.layout.restoresPrefix();
    return (await this.store.listCommonPrefixes(base)).map((p) => p.slice(base.length, -1)).sort();
  }

  /** Deletes everything under restores/<name>/ (Velero's DeleteRestore); returns the deleted keys. */
  async deleteRestore(restoreName: string): Promise<string[]> {
    checkName(restoreName, 'restore');
    const keys: string[] = [];
    for await (const info of this.store.list(this.layout.restoreDir(restoreName))) keys.push(info.key);
    await mapBounded(keys, 8, (key) => this.store.delete(key));
    return keys;
  }

  async #optionalBackupJson<T>(name: string, file: BackupFile): Promise<T | undefined> {
    const fileName = backupFileNames(name)[file];
    const body = await orUndefined(this.store.get(this.layout.backupKey(name, fileName)));
    return body && readGzipJson<T>(body, `${fileName} of backup "${name}"`);
  }

  async #optionalRestoreJson<T>(name: string, file: RestoreFile): Promise<T | undefined> {
    const fileName = restoreFileNames(name)[file];
    const body = await orUndefined(this.store.get(this.layout.restoreFileKey(name, file)));
    return body && readGzipJson<T>(body, `${fileName} of restore "${name}"`);
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
