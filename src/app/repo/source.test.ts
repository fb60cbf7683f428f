import { describe, expect, it } from 'vitest';
import { snapshotIdentity } from './source.ts';

describe('snapshotIdentity', () => {
  it('files POD/VOLUME as Velero’s file-system backup does', () => {
    const id = snapshotIdentity('web-0/data', 'shop', { tags: { team: 'a' } });
    expect(id.source).toEqual({
      host: 'default',
      userName: 'default',
      path: 'pod-volume-backup-restore/kopia/shop/web-0/data',
    });
    expect({ ...id.tags }).toEqual({
      'snapshot-requester': 'pod-volume-backup-restore',
      'snapshot-uploader': 'kopia',
      team: 'a',
    });
    expect(id.description).toBe('Kopia Uploader');
    expect(id.pins).toEqual(['velero-pin']);
  });

  it('files PVC as Velero’s data mover does, and takes USER@HOST:PATH as is', () => {
    expect(snapshotIdentity('data-pvc', 'shop', { tags: {} }).source.path).toBe(
      'snapshot-data-upload-download/kopia/shop/data-pvc',
    );
    const own = snapshotIdentity('me@box:/srv/data', 'shop', { tags: {}, description: 'nightly' });
    expect(own.source).toEqual({ userName: 'me', host: 'box', path: '/srv/data' });
    expect(own.description).toBe('nightly');
    expect({ ...own.tags }).toEqual({});
    expect(own.pins).toEqual([]);
  });

  it('refuses other shapes with a usage error', () => {
    for (const bad of ['a/b/c', '../x', 'UPPER', '', 'a//b'])
      expect(() => snapshotIdentity(bad, 'ns', { tags: {} })).toThrow(/POD\/VOLUME, PVC or USER@HOST:PATH/);
  });
});
