import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeRestoreMarkers, volumesAwaitingMarker, writeRestoreMarker } from './restore-marker.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-marker-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the restore done files', () => {
  it('waits for every volume, then removes the .velero dirs and nothing else', async () => {
    await mkdir(join(dir, 'data'));
    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'data', 'keep.txt'), 'x');
    expect(await volumesAwaitingMarker(dir, 'u1')).toEqual(['data', 'logs']);
    await writeRestoreMarker(join(dir, 'data'), 'u1');
    expect(await volumesAwaitingMarker(dir, 'u1')).toEqual(['logs']);
    // A marker of another restore does not count.
    await writeRestoreMarker(join(dir, 'logs'), 'other');
    expect(await volumesAwaitingMarker(dir, 'u1')).toEqual(['logs']);
    await writeRestoreMarker(join(dir, 'logs'), 'u1');
    expect(await readdir(join(dir, 'logs', '.velero'))).toEqual(['u1']);
    expect(await volumesAwaitingMarker(dir, 'u1')).toEqual([]);
    expect(await removeRestoreMarkers(dir)).toEqual([]);
    expect(await readdir(join(dir, 'data'))).toEqual(['keep.txt']);
    expect(await readdir(join(dir, 'logs'))).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0)(
    'gives .velero to the user restore-wait runs as, so the helper may remove the marker',
    async () => {
      await writeRestoreMarker(dir, 'u1', { uid: 1000, gid: 1001 });
      expect(await stat(join(dir, '.velero'))).toMatchObject({ uid: 1000, gid: 1001 });
      await writeRestoreMarker(dir, 'u2', { uid: 1002 });
      expect(await stat(join(dir, '.velero'))).toMatchObject({ uid: 1002, gid: 0 });
      expect(await readdir(join(dir, '.velero'))).toEqual(['u2']);
    },
  );

  it('refuses a restore UID that is not a file name', async () => {
    await expect(writeRestoreMarker(dir, '../x')).rejects.toThrow('not a restore UID');
  });
});
