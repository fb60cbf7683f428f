import { describe, expect, it } from 'vitest';
import { parseObjectId } from './object-id.ts';
import { snapshotLabels, snapshotManifestEntry, veleroSnapshotManifest } from './snapshot-manifest.ts';

// Byte-for-byte encoding against kopia: test/integration/kopia-object*.test.ts.

describe('Velero snapshot manifests', () => {
  const m = veleroSnapshotManifest('pod-volume-backup-restore', 'shop/db-0/data/', {
    rootEntry: {
      name: 'data',
      type: 'd',
      mode: 0o755,
      size: 0,
      mtime: 1n,
      uid: 0,
      gid: 0,
      obj: parseObjectId('k0123456789abcdef0123456789abcdef', 't'),
    },
    startTime: 1n,
    endTime: 2n,
    stats: {
      totalSize: 0,
      excludedTotalSize: 0,
      fileCount: 0,
      cachedFiles: 0,
      nonCachedFiles: 0,
      dirCount: 1,
      excludedFileCount: 0,
      excludedDirCount: 0,
      ignoredErrorCount: 0,
      errorCount: 0,
    },
  });

  it('carries Velero’s source, unprefixed tags, description and pin', () => {
    expect({ ...snapshotLabels(m) }).toEqual({
      type: 'snapshot',
      hostname: 'default',
      username: 'default',
      path: 'pod-volume-backup-restore/kopia/shop/db-0/data',
      'snapshot-requester': 'pod-volume-backup-restore',
      'snapshot-uploader': 'kopia',
    });
    expect([m.description, m.pins]).toEqual(['Kopia Uploader', ['velero-pin']]);
  });

  it('refuses a tag that collides with kopia’s labels, and a source without a path', () => {
    expect(() => snapshotLabels({ ...m, tags: { path: 'x' } })).toThrow(
      expect.objectContaining({ code: 'USAGE' }) as Error,
    );
    const noPath = { ...m, source: { ...m.source, path: '' } };
    expect(() => snapshotManifestEntry(noPath, 'a', 1n)).toThrow(
      expect.objectContaining({ code: 'USAGE' }) as Error,
    );
  });
});
