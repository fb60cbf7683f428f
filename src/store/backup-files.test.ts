import type { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BackupStore } from './backup-store.ts';
import { gzipJsonLine } from './gzip-json.ts';
import { MemoryObjectStore } from './providers/memory/memory-store.ts';

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
const text = async (stream: Readable) => (await bytes(stream)).toString();

describe('BackupStore files by what they are', () => {
  it("reads a backup's files at Velero's keys", async () => {
    const memory = new MemoryObjectStore();
    const backups = new BackupStore(memory, 'p');
    await memory.put('p/backups/b1/b1.tar.gz', 'tar');
    await memory.put('p/backups/b1/b1-logs.gz', gzipSync('log line\n'));
    await memory.put('p/backups/b1/b1-resource-list.json.gz', gzipJsonLine({ 'v1/Pod': ['ns/a'] }));
    await memory.put('p/backups/b1/b1-results.gz', gzipJsonLine({ errors: {}, warnings: {} }));
    await memory.put('p/backups/b1/b1-checksums.json.gz', gzipJsonLine({ algorithm: 'sha256', files: {} }));
    await memory.put('p/backups/b1/b1-cluster-profile.json.gz', gzipJsonLine({ kind: 'ClusterProfile' }));
    await memory.put('p/backups/b1/b1-volumeinfo.json.gz', gzipJsonLine([]));

    expect(await text(await backups.getBackupContents('b1'))).toBe('tar');
    expect(gunzipSync(await bytes(await backups.getBackupLogs('b1'))).toString()).toBe('log line\n');
    expect(await backups.getResourceList('b1')).toEqual({ 'v1/Pod': ['ns/a'] });
    expect(await backups.getResults('b1')).toEqual({ errors: {}, warnings: {} });
    expect(await backups.getChecksums('b1')).toEqual({ algorithm: 'sha256', files: {} });
    expect(await backups.getClusterProfile('b1')).toEqual({ kind: 'ClusterProfile' });
    expect(await backups.getVolumeFile('b1', 'volumeInfo')).toEqual([]);
  });

  it('gives undefined for an absent optional file and CORRUPT for a damaged one', async () => {
    const memory = new MemoryObjectStore();
    const backups = new BackupStore(memory, '');
    expect(await backups.getResourceList('old')).toBeUndefined();
    expect(await backups.getVolumeFile('old', 'csiVolumeSnapshots')).toBeUndefined();
    await expect(backups.getBackupContents('old')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await memory.put('backups/old/old-results.gz', 'not gzip');
    await expect(backups.getResults('old')).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringContaining('old-results.gz of backup "old"') as unknown,
    });
  });

  it('writes a record without contents create-only and tells folders from backups', async () => {
    const memory = new MemoryObjectStore();
    const backups = new BackupStore(memory, '');
    await memory.put('backups/orphan/orphan.tar.gz', 'x');
    await backups.putBackupMetadata('failed', '{}');
    expect(memory.keys()).toContain('backups/failed/velero-backup.json');
    await expect(backups.putBackupMetadata('failed', '{}')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect((await backups.listBackupFolders()).sort()).toEqual(['failed', 'orphan']);
    expect(await backups.hasBackupMetadata('failed')).toBe(true);
    expect(await backups.hasBackupMetadata('orphan')).toBe(false);
    expect(await backups.listBackupNames()).toEqual(['failed']);
  });

  it("writes a restore's files at Velero's keys (volume info without the restore- prefix)", async () => {
    const memory = new MemoryObjectStore();
    const backups = new BackupStore(memory, '');
    await backups.putRestoreFile('r1', 'logs', 'l');
    await backups.putRestoreFile('r1', 'volumeInfo', 'v');
    expect(memory.keys().sort()).toEqual([
      'restores/r1/r1-volumeinfo.json.gz',
      'restores/r1/restore-r1-logs.gz',
    ]);
    expect(await text(await backups.getRestoreLogs('r1'))).toBe('l');
    await expect(backups.getRestoreRecord('r1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
