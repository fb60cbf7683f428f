import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryBlobs } from '../blob/memory-blobs.ts';
import { PBKDF2 } from '../format/key-derivation.ts';
import type { DirEntry } from '../object/dir-entry.ts';
import { checkRestoredTree, type RestoredMismatch } from './check-restored.ts';
import { openRepository, type KopiaRepository } from './repository.ts';
import { restoreSnapshot } from './restore.ts';
import { createSnapshot, initializeRepository } from './writer/index.ts';

const PASSWORD = 'pw';
let work: string;
let repo: KopiaRepository;
let root: DirEntry;
let snapshotId: string;

const byPath = (list: readonly RestoredMismatch[]) => [...list].sort((a, b) => a.path.localeCompare(b.path));

/** A fresh restore of the snapshot into its own directory. */
async function restored(name: string): Promise<string> {
  const dir = join(work, name);
  await restoreSnapshot(repo, snapshotId, dir);
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lifeboat-check-restored-'));
  const src = join(work, 'src');
  await mkdir(join(src, 'nested', 'deeper'), { recursive: true });
  await writeFile(join(src, 'a.txt'), 'small file\n');
  await writeFile(join(src, 'empty'), '');
  // Three 128 KiB contents and a short one under FIXED-128K: an indirect object.
  await writeFile(join(src, 'nested', 'big.bin'), randomBytes(3 * 128 * 1024 + 1000));
  await writeFile(join(src, 'nested', 'deeper', 'b.txt'), 'second\n');
  await chmod(join(src, 'a.txt'), 0o600);
  await symlink('nested/big.bin', join(src, 'current'));
  const blobs = memoryBlobs();
  await initializeRepository(blobs, PASSWORD, { keyAlgo: PBKDF2, splitter: 'FIXED-128K' });
  repo = await openRepository(blobs, PASSWORD);
  const made = await createSnapshot(repo, src, { source: { host: 'h', userName: 'u', path: '/src' } });
  await repo.refreshIndex();
  snapshotId = made.id;
  const found = (await repo.getSnapshot(made.id)).rootEntry;
  if (found === null) throw new Error('no root entry');
  root = found;
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('checking a restored directory against its snapshot', { timeout: 60_000 }, () => {
  it('re-hashes every file of a faithful restore into the snapshot contents and finds nothing', async () => {
    const dir = await restored('faithful');
    await mkdir(join(dir, '.velero'));
    const checked = await checkRestoredTree(repo, root, dir, { ignoreAtRoot: ['.velero'] });
    expect(checked).toEqual({
      files: 4,
      directories: 3,
      symlinks: 1,
      bytes: 11 + 3 * 128 * 1024 + 1000 + 7,
      mismatches: [],
      mismatchCount: 0,
    });
  });

  it('names a byte changed in place (same size), a mode, a missing file, an extra one and a retargeted symlink', async () => {
    const dir = await restored('altered');
    const big = await open(join(dir, 'nested', 'big.bin'), 'r+');
    const byte = Buffer.alloc(1);
    await big.read(byte, 0, 1, 200 * 1024);
    await big.write(Buffer.from([(byte[0] ?? 0) ^ 0xff]), 0, 1, 200 * 1024);
    await big.close();
    await chmod(join(dir, 'a.txt'), 0o644);
    await unlink(join(dir, 'nested', 'deeper', 'b.txt'));
    await writeFile(join(dir, 'nested', 'stray'), 'not backed up');
    await unlink(join(dir, 'current'));
    await symlink('a.txt', join(dir, 'current'));
    const checked = await checkRestoredTree(repo, root, dir);
    expect(checked.mismatchCount).toBe(5);
    expect(byPath(checked.mismatches)).toEqual([
      { path: 'a.txt', reason: 'has mode 0644, the snapshot has 0600' },
      { path: 'current', reason: 'links to a.txt, the snapshot to nested/big.bin' },
      {
        path: 'nested/big.bin',
        reason: "its bytes differ from the snapshot's from byte 131072 on (content 2 of 4)",
      },
      { path: 'nested/deeper/b.txt', reason: 'is missing (the snapshot has a file)' },
      { path: 'nested/stray', reason: 'is not in the snapshot' },
    ]);
    const few = await checkRestoredTree(repo, root, dir, { maxListed: 2 });
    expect(few.mismatchCount).toBe(5);
    expect(few.mismatches).toHaveLength(2);
  });

  it('names a file whose size changed and a directory replaced by a file', async () => {
    const dir = await restored('resized');
    await writeFile(join(dir, 'a.txt'), 'small file, longer now\n');
    await rm(join(dir, 'nested', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'nested', 'deeper'), 'x');
    const checked = await checkRestoredTree(repo, root, dir);
    expect(byPath(checked.mismatches)).toEqual([
      { path: 'a.txt', reason: 'holds 23 bytes, the snapshot 11' },
      { path: 'nested/deeper', reason: 'is a file, the snapshot has a directory' },
    ]);
  });

  it("accepts a file cut otherwise than by the repository's splitter when its bytes hash along the snapshot's cuts", async () => {
    const dir = await restored('resplit');
    // The same repository, its format saying FIXED-256K: the re-split cuts where the snapshot did not.
    const config = { ...repo.format.config, splitter: 'FIXED-256K' };
    const other = Object.assign(Object.create(repo) as KopiaRepository, {
      format: { ...repo.format, config },
    });
    expect((await checkRestoredTree(other, root, dir)).mismatches).toEqual([]);
    const big = await open(join(dir, 'nested', 'big.bin'), 'r+');
    const byte = Buffer.alloc(1);
    await big.read(byte, 0, 1, 3 * 128 * 1024 + 10);
    await big.write(Buffer.from([(byte[0] ?? 0) ^ 0xff]), 0, 1, 3 * 128 * 1024 + 10);
    await big.close();
    expect((await checkRestoredTree(other, root, dir)).mismatches).toEqual([
      {
        path: 'nested/big.bin',
        reason: "its bytes differ from the snapshot's from byte 393216 on (content 4 of 4)",
      },
    ]);
  });
});
