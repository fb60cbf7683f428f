import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../log/index.ts';
import { writeRestoreMarker } from '../../podvolumes/index.ts';
import { waitForRestoredVolumes } from './restore-helper.ts';

let dir: string;
const logger = createLogger({ format: 'json', level: 'silent' });
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-helper-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('waitForRestoredVolumes (the restore-wait init container)', () => {
  it('waits until every volume has its marker, then removes the .velero dirs', async () => {
    await mkdir(join(dir, 'data'));
    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'data', 'db.sqlite'), 'x');
    let finished = false;
    const done = waitForRestoredVolumes({ restoreUid: 'u1', restoresDir: dir, logger, intervalMs: 5 });
    // The agent finishes one volume, then the other; the helper must still be waiting in between.
    const settled = done.then(() => (finished = true));
    await writeRestoreMarker(join(dir, 'data'), 'u1');
    await new Promise((r) => setTimeout(r, 30));
    expect(finished).toBe(false);
    await writeRestoreMarker(join(dir, 'logs'), 'u1');
    expect(await done).toEqual(['data', 'logs']);
    await settled;
    expect(await readdir(join(dir, 'data'))).toEqual(['db.sqlite']);
    expect(await readdir(join(dir, 'logs'))).toEqual([]);
  });

  it('ends at once when there is nothing to wait for, and refuses a bad UID', async () => {
    expect(await waitForRestoredVolumes({ restoreUid: 'u1', restoresDir: dir, logger })).toEqual([]);
    await expect(waitForRestoredVolumes({ restoreUid: 'a/b', restoresDir: dir, logger })).rejects.toThrow(
      'not a restore UID',
    );
  });

  it('stops when its signal aborts', async () => {
    await mkdir(join(dir, 'data'));
    const controller = new AbortController();
    const done = waitForRestoredVolumes({
      restoreUid: 'u1',
      restoresDir: dir,
      logger,
      intervalMs: 5,
      signal: controller.signal,
    });
    controller.abort();
    await expect(done).rejects.toThrow();
  });
});
