import { describe, expect, it } from 'vitest';
import { StoreLayout, VALID_TOP_LEVEL } from './layout.ts';

describe('StoreLayout', () => {
  it('builds Velero backup keys under a prefix, trimmed of slashes', () => {
    const l = new StoreLayout('/team/velero/');
    expect(l.prefix).toBe('team/velero');
    expect(l.backupsPrefix()).toBe('team/velero/backups/');
    expect(l.backupDir('b1')).toBe('team/velero/backups/b1/');
    expect(l.backupMetadataKey('b1')).toBe('team/velero/backups/b1/velero-backup.json');
    expect(l.backupFileKey('b1', 'contents')).toBe('team/velero/backups/b1/b1.tar.gz');
    expect(l.backupFileKey('b1', 'logs')).toBe('team/velero/backups/b1/b1-logs.gz');
    expect(l.backupFileKey('b1', 'resourceList')).toBe('team/velero/backups/b1/b1-resource-list.json.gz');
    expect(l.backupFileKey('b1', 'results')).toBe('team/velero/backups/b1/b1-results.gz');
    expect(l.backupFileKey('b1', 'itemOperations')).toBe('team/velero/backups/b1/b1-itemoperations.json.gz');
    expect(l.backupFileKey('b1', 'volumeSnapshots')).toBe(
      'team/velero/backups/b1/b1-volumesnapshots.json.gz',
    );
    expect(l.backupFileKey('b1', 'podVolumeBackups')).toBe(
      'team/velero/backups/b1/b1-podvolumebackups.json.gz',
    );
    expect(l.backupFileKey('b1', 'volumeInfo')).toBe('team/velero/backups/b1/b1-volumeinfo.json.gz');
    expect(l.backupFileKey('b1', 'csiVolumeSnapshots')).toBe(
      'team/velero/backups/b1/b1-csi-volumesnapshots.json.gz',
    );
    expect(l.backupFileKey('b1', 'csiVolumeSnapshotContents')).toBe(
      'team/velero/backups/b1/b1-csi-volumesnapshotcontents.json.gz',
    );
    expect(l.backupFileKey('b1', 'csiVolumeSnapshotClasses')).toBe(
      'team/velero/backups/b1/b1-csi-volumesnapshotclasses.json.gz',
    );
    expect(l.backupFileKey('b1', 'checksums')).toBe('team/velero/backups/b1/b1-checksums.json.gz');
    expect(l.backupFileKey('b1', 'clusterProfile')).toBe('team/velero/backups/b1/b1-cluster-profile.json.gz');
    expect(l.backupFileKey('b1', 'claim')).toBe('team/velero/backups/b1/b1-claim.json');
    expect(l.backupFileKey('b1', 'metadata')).toBe(l.backupMetadataKey('b1'));
  });

  it('has no leading slash with an empty prefix', () => {
    const l = new StoreLayout('');
    expect(l.root()).toBe('');
    expect(l.backupMetadataKey('x')).toBe('backups/x/velero-backup.json');
    expect(new StoreLayout(undefined).restoresPrefix()).toBe('restores/');
    expect(new StoreLayout('/').backupsPrefix()).toBe('backups/');
  });

  it('builds restore keys (volume info without the restore- prefix)', () => {
    const l = new StoreLayout('p');
    expect(l.restoreFileKey('r1', 'logs')).toBe('p/restores/r1/restore-r1-logs.gz');
    expect(l.restoreFileKey('r1', 'results')).toBe('p/restores/r1/restore-r1-results.gz');
    expect(l.restoreFileKey('r1', 'resourceList')).toBe('p/restores/r1/restore-r1-resource-list.json.gz');
    expect(l.restoreFileKey('r1', 'itemOperations')).toBe('p/restores/r1/restore-r1-itemoperations.json.gz');
    expect(l.restoreFileKey('r1', 'volumeInfo')).toBe('p/restores/r1/r1-volumeinfo.json.gz');
    expect(l.restoreFileKey('r1', 'record')).toBe('p/restores/r1/restore-r1.json');
  });

  it('finds invalid top-level directories as Velero does', () => {
    expect(VALID_TOP_LEVEL).toEqual(['backups', 'restores', 'restic', 'metadata', 'plugins', 'kopia']);
    const l = new StoreLayout('p');
    expect(l.invalidTopLevel(['p/backups/', 'p/kopia/', 'p/junk/', 'p/.lifeboat/'])).toEqual([
      'junk',
      '.lifeboat',
    ]);
    expect(new StoreLayout('').invalidTopLevel(['restic/', 'other/'])).toEqual(['other']);
  });

  it('builds the kopia repository prefix of a volume namespace and lists namespaces', () => {
    const l = new StoreLayout('/p/');
    expect(l.kopiaPrefix()).toBe('p/kopia/');
    expect(l.kopiaRepositoryPrefix('app')).toBe('p/kopia/app/');
    expect(new StoreLayout(undefined).kopiaRepositoryPrefix('db')).toBe('kopia/db/');
    expect(l.kopiaNamespaces(['p/kopia/app/', 'p/kopia/db/', 'p/kopia/x', 'p/other/y/'])).toEqual([
      'app',
      'db',
    ]);
  });
});
