import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../../log/index.ts';
import { snapshotDirectory, type RepoSnapshotRequest } from './snapshot.ts';

let base: string;
let bucket: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lifeboat-repo-snapshot-'));
  bucket = join(base, 'bucket');
  await mkdir(bucket);
  await writeFile(join(base, 'right'), 'the-password\n');
  await writeFile(join(base, 'wrong'), 'not-the-password\n');
  const location = (name: string) => ({
    name,
    provider: 'filesystem',
    objectStorage: { bucket },
    config: { repositoryPasswordFile: join(base, name) },
  });
  await writeFile(
    join(base, 'config.yaml'),
    stringify({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'Config',
      locations: [{ ...location('right'), default: true }, location('wrong')],
    }),
  );
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await rm(base, { recursive: true, force: true });
});

function request(dir: string, location?: string): RepoSnapshotRequest {
  return {
    configPath: join(base, 'config.yaml'),
    location,
    logger: silentLogger(),
    dir,
    namespace: 'app',
    source: { userName: 'u', host: 'h', path: '/data' },
    tags: {},
    description: '',
    pins: [],
    workers: 0,
  };
}

// Creating and opening a repository derives its keys (scrypt): seconds on a busy machine.
describe('snapshotDirectory', { timeout: 60_000 }, () => {
  it('fails a missing directory as the walk names it, before creating a repository for it', async () => {
    const missing = join(base, 'missing');
    await expect(snapshotDirectory(request(missing))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `${missing} does not exist.`,
      hint: 'Name the directory to snapshot.',
    });
    expect(await readdir(bucket)).toEqual([]);
  });

  it('snapshots the tree it read ahead; a repository that fails to open stops the read-ahead', async () => {
    const src = join(base, 'src');
    await mkdir(join(src, 'a/b'), { recursive: true });
    for (const f of ['top', 'a/one', 'a/b/two']) await writeFile(join(src, f), f);
    const first = await snapshotDirectory(request(src));
    expect(first.created).toBe(true);
    expect(first.snapshot).toMatchObject({ files: 3, directories: 3, size: 'topa/onea/b/two'.length });

    await expect(snapshotDirectory(request(src, 'wrong'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const again = await snapshotDirectory(request(src));
    expect(again.created).toBe(false);
    expect(again.snapshot.files).toBe(3);
    expect(unhandled).toEqual([]);
  });
});
