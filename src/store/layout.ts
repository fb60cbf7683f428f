/**
 * Every object key of Velero's object-store layout (spec/velero-format.md §1.1–1.3), plus
 * lifeboat's own files inside a backup's folder (DESIGN.md §7). Nothing else builds keys.
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
  } as const;
}

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

  backupContentsKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).contents);
  }

  backupLogKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).logs);
  }

  backupResourceListKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).resourceList);
  }

  backupResultsKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).results);
  }

  backupItemOperationsKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).itemOperations);
  }

  backupVolumeSnapshotsKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).volumeSnapshots);
  }

  backupPodVolumeBackupsKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).podVolumeBackups);
  }

  backupVolumeInfoKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).volumeInfo);
  }

  csiVolumeSnapshotsKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).csiVolumeSnapshots);
  }

  csiVolumeSnapshotContentsKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).csiVolumeSnapshotContents);
  }

  csiVolumeSnapshotClassesKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).csiVolumeSnapshotClasses);
  }

  backupChecksumsKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).checksums);
  }

  backupClusterProfileKey(name: string): string {
    return this.backupKey(name, backupFileNames(name).clusterProfile);
  }

  restoreDir(name: string): string {
    return `${this.restoresPrefix()}${name}/`;
  }

  restoreKey(name: string, fileName: string): string {
    return `${this.restoreDir(name)}${fileName}`;
  }

  restoreLogKey(name: string): string {
    return this.restoreKey(name, restoreFileNames(name).logs);
  }

  restoreResultsKey(name: string): string {
    return this.restoreKey(name, restoreFileNames(name).results);
  }

  restoreResourceListKey(name: string): string {
    return this.restoreKey(name, restoreFileNames(name).resourceList);
  }

  restoreItemOperationsKey(name: string): string {
    return this.restoreKey(name, restoreFileNames(name).itemOperations);
  }

  restoreVolumeInfoKey(name: string): string {
    return this.restoreKey(name, restoreFileNames(name).volumeInfo);
  }

  /** The top-level directory names (common prefixes under the root) that Velero would reject. */
  invalidTopLevel(commonPrefixes: readonly string[]): string[] {
    const root = this.root();
    return commonPrefixes
      .map((p) => p.slice(root.length).replace(/\/$/, ''))
      .filter((dir) => !(VALID_TOP_LEVEL as readonly string[]).includes(dir));
  }
}
