import { describe, expect, it } from 'vitest';
import { StoreLayout, VALID_TOP_LEVEL } from './layout.ts';

describe('StoreLayout', () => {
  it('builds Velero backup keys under a prefix, trimmed of slashes', () => {
    const l = new StoreLayout('/team/velero/');
    expect(l.prefix).toBe('team/velero');
    expect(l.backupsPrefix()).toBe('team/velero/backups/');
    expect(l.backupDir('b1')).toBe('team/velero/backups/b1/');
    expect(l.backupMetadataKey('b1')).toBe('team/velero/backups/b1/velero-backup.json');
    expect(l.backupContentsKey('b1')).toBe('team/velero/backups/b1/b1.tar.gz');
    expect(l.backupLogKey('b1')).toBe('team/velero/backups/b1/b1-logs.gz');
    expect(l.backupResourceListKey('b1')).toBe('team/velero/backups/b1/b1-resource-list.json.gz');
    expect(l.backupResultsKey('b1')).toBe('team/velero/backups/b1/b1-results.gz');
    expect(l.backupItemOperationsKey('b1')).toBe('team/velero/backups/b1/b1-itemoperations.json.gz');
    expect(l.backupVolumeSnapshotsKey('b1')).toBe('team/velero/backups/b1/b1-volumesnapshots.json.gz');
    expect(l.backupPodVolumeBackupsKey('b1')).toBe('team/velero/backups/b1/b1-podvolumebackups.json.gz');
    expect(l.backupVolumeInfoKey('b1')).toBe('team/velero/backups/b1/b1-volumeinfo.json.gz');
    expect(l.csiVolumeSnapshotsKey('b1')).toBe('team/velero/backups/b1/b1-csi-volumesnapshots.json.gz');
    expect(l.csiVolumeSnapshotContentsKey('b1')).toBe(
      'team/velero/backups/b1/b1-csi-volumesnapshotcontents.json.gz',
    );
    expect(l.csiVolumeSnapshotClassesKey('b1')).toBe(
      'team/velero/backups/b1/b1-csi-volumesnapshotclasses.json.gz',
    );
    expect(l.backupChecksumsKey('b1')).toBe('team/velero/backups/b1/b1-checksums.json.gz');
    expect(l.backupClusterProfileKey('b1')).toBe('team/velero/backups/b1/b1-cluster-profile.json.gz');
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
    expect(l.restoreLogKey('r1')).toBe('p/restores/r1/restore-r1-logs.gz');
    expect(l.restoreResultsKey('r1')).toBe('p/restores/r1/restore-r1-results.gz');
    expect(l.restoreResourceListKey('r1')).toBe('p/restores/r1/restore-r1-resource-list.json.gz');
    expect(l.restoreItemOperationsKey('r1')).toBe('p/restores/r1/restore-r1-itemoperations.json.gz');
    expect(l.restoreVolumeInfoKey('r1')).toBe('p/restores/r1/r1-volumeinfo.json.gz');
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
});
