/**
 * Every object key of Velero's object-store layout (spec/velero-format.md §1.1–1.3), plus
 * lifeboat's own files inside backup and restore folders (DESIGN.md §7). Nothing else builds keys
 * or spells these file names: the rest of lifeboat asks BackupStore for a file by what it is.
 */
export const VALID_TOP_LEVEL = ['backups', 'restores', 'restic', 'metadata', 'plugins', 'kopia'] as const;
export type TopLevelDir = (typeof VALID_TOP_LEVEL)[number];

export const BACKUP_METADATA_FILE = 'velero-backup.json';

/** The file names inside backups/<name>/ (Velero's and lifeboat's). */
export function backupFileNames(name: string) {
  return {
    metadata: BACKUP_METADATA_FILE,
    contents: `${name}.tar.gz`,
    logs: `${name}-logs.gz`,
    resourceList: `${name}-resource-list.json.gz`,
    results: `${name}-results.gz`,
    itemOperations: `${name}-itemoperations.json.gz`,
    volumeSnapshots: `${name}-volumesnapshots.json.gz`,
    podVolumeBackups: `${name}-podvolumebackups.json.gz`,
    volumeInfo: `${name}-volumeinfo.json.gz`,
    /** Written by Velero v1.4–v1.16 only; read when present. */
    csiVolumeSnapshots: `${name}-csi-volumesnapshots.json.gz`,
    csiVolumeSnapshotContents: `${name}-csi-volumesnapshotcontents.json.gz`,
    csiVolumeSnapshotClasses: `${name}-csi-volumesnapshotclasses.json.gz`,
    /** lifeboat's integrity manifest and cluster profile; Velero ignores both. */
    checksums: `${name}-checksums.json.gz`,
    /** lifeboat's name claim: the first object of a backup, written create-only (DESIGN.md §8). */
    claim: `${name}-claim.json`,
    clusterProfile: `${name}-cluster-profile.json.gz`,
  } as const;
}

/** The file names inside restores/<name>/ (note: volume info has no "restore-" prefix). */
export function restoreFileNames(name: string) {
  return {
    logs: `restore-${name}-logs.gz`,
    results: `restore-${name}-results.gz`,
    resourceList: `restore-${name}-resource-list.json.gz`,
    itemOperations: `restore-${name}-itemoperations.json.gz`,
    volumeInfo: `${name}-volumeinfo.json.gz`,
    /** lifeboat's record of the restore (restore get/describe/verify); Velero ignores it. */
    record: `restore-${name}.json`,
    /** A DR drill's evidence (lifeboat drill): report, human reports, checksum manifest; Velero ignores them. */
    drillReport: `${name}-drill.json.gz`,
    drillMarkdown: `${name}-drill.md`,
    drillHtml: `${name}-drill.html`,
    drillChecksums: `${name}-drill-checksums.json`,
  } as const;
}

/** One named file of a backup's folder. */
export type BackupFile = keyof ReturnType<typeof backupFileNames>;
/** One named file of a restore's folder. */
export type RestoreFile = keyof ReturnType<typeof restoreFileNames>;

export class StoreLayout {
  /** The location prefix without leading or trailing slashes ("" for none). */
  readonly prefix: string;

  constructor(prefix: string | undefined) {
    this.prefix = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  }

  /** "" or "<prefix>/": where the top-level directories live. */
  root(): string {
    return this.prefix === '' ? '' : `${this.prefix}/`;
  }

  topLevel(dir: TopLevelDir): string {
    return `${this.root()}${dir}/`;
  }

  backupsPrefix(): string {
    return this.topLevel('backups');
  }

  restoresPrefix(): string {
    return this.topLevel('restores');
  }

  backupDir(name: string): string {
    return `${this.backupsPrefix()}${name}/`;
  }

  backupKey(name: string, fileName: string): string {
    return `${this.backupDir(name)}${fileName}`;
  }

  backupMetadataKey(name: string): string {
    return this.backupKey(name, BACKUP_METADATA_FILE);
  }

  /** The key of one of Velero's or lifeboat's named files of backups/<name>/. */
  backupFileKey(name: string, file: BackupFile): string {
    return this.backupKey(name, backupFileNames(name)[file]);
  }

  restoreDir(name: string): string {
    return `${this.restoresPrefix()}${name}/`;
  }

  /** The key of one of the named files of restores/<name>/. */
  restoreFileKey(name: string, file: RestoreFile): string {
    return `${this.restoreDir(name)}${restoreFileNames(name)[file]}`;
  }

  /** "<root>kopia/": where Velero's kopia repositories live, one folder per volume namespace. */
  kopiaPrefix(): string {
    return this.topLevel('kopia');
  }

  /** "<root>kopia/<namespace>/": the kopia repository of one volume namespace (the blob prefix). */
  kopiaRepositoryPrefix(namespace: string): string {
    return `${this.kopiaPrefix()}${namespace}/`;
  }

  /** The volume namespaces of kopia common prefixes ("<root>kopia/<ns>/" → "<ns>"). */
  kopiaNamespaces(commonPrefixes: readonly string[]): string[] {
    const prefix = this.kopiaPrefix();
    return commonPrefixes
      .filter((p) => p.startsWith(prefix) && p.endsWith('/'))
      .map((p) => p.slice(prefix.length, -1))
      .filter((ns) => ns !== '' && !ns.includes('/'));
  }

  /** The top-level directory names (common prefixes under the root) that Velero would reject. */
  invalidTopLevel(commonPrefixes: readonly string[]): string[] {
    const root = this.root();
    return commonPrefixes
      .map((p) => p.slice(root.length).replace(/\/$/, ''))
      .filter((dir) => !(VALID_TOP_LEVEL as readonly string[]).includes(dir));
  }
}
