import { describe, expect, it } from 'vitest';
import { renderTable } from '../output/index.ts';
import type { SnapshotRow } from '../app/repo/index.ts';
import { clock, progressLine, SNAPSHOT_COLUMNS, verifyText } from './repo-output.ts';

describe('output', () => {
  const row: SnapshotRow = {
    namespace: 'shop',
    id: 'k0123',
    source: 'default@default:pod-volume-backup-restore/kopia/shop/web-0/data',
    startTime: '2026-12-06T10:00:00.123Z',
    endTime: '2026-12-06T10:00:01.000Z',
    size: 3 * 1024 * 1024,
    files: 12,
    directories: 2,
    description: 'Kopia Uploader',
    tags: {},
  };

  it('lists snapshots as a table', () => {
    const text = renderTable([row], SNAPSHOT_COLUMNS);
    expect(text.split('\n')[0]).toMatch(
      /^NAMESPACE\s+ID\s+SOURCE\s+START TIME\s+SIZE\s+FILES\s+DESCRIPTION$/,
    );
    expect(text).toContain('2026-12-06 10:00:00Z');
    expect(text).toContain('3.0 MiB');
  });

  it('shows throughput and an ETA when the total is known', () => {
    expect(clock(75)).toBe('1:15');
    expect(clock(3725)).toBe('1:02:05');
    const line = progressLine(
      'restoring',
      { files: 5, bytes: 10 << 20, totalFiles: 10, totalBytes: 20 << 20 },
      2000,
    );
    expect(line).toBe('restoring  5/10 files  10 MiB/20 MiB  5.0 MiB/s  ETA 0:02');
    expect(progressLine('snapshotting', { files: 1, bytes: 0, uploadedBytes: 0 }, 0)).toBe(
      'snapshotting  1 files  0 B  0 B/s  0 B uploaded',
    );
  });

  it('reports verification per snapshot and counts the failures', () => {
    const text = verifyText([
      { namespace: 'shop', id: 'k1', source: 's', problems: [] },
      {
        namespace: 'shop',
        id: 'k2',
        source: 's',
        problems: [{ path: 'a/b', contentId: 'c9', message: 'bad hash' }],
      },
    ]);
    expect(text).toContain('OK     shop k1 s');
    expect(text).toContain('FAILED shop k2 s\n  a/b: bad hash (content c9)');
    expect(text).toContain('1 of 2 failed verification.');
    expect(verifyText([])).toBe('No snapshots to verify.\n');
  });
});
