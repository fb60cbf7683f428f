import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FilesystemObjectStore } from '../../src/store/providers/filesystem/filesystem-store.ts';
import { openObjectStore } from '../../src/store/registry.ts';
import { objectStoreBlobs } from '../../src/volumedata/kopia/blob/object-store-blobs.ts';
import { shardedBlobs } from '../../src/volumedata/kopia/blob/sharded-blobs.ts';
import { formatObjectId } from '../../src/volumedata/kopia/object/object-id.ts';
import { openRepository, type KopiaRepository } from '../../src/volumedata/kopia/repository/repository.ts';
import { restoreSnapshot } from '../../src/volumedata/kopia/repository/restore.ts';
import { verifySnapshot } from '../../src/volumedata/kopia/repository/verify.ts';
import { kopiaBinaries, kopiaS3Storage } from '../helpers/kopia.ts';
import { copyBlobs } from '../helpers/kopia-repos.ts';
import { allocatedBytes, buildTree, describeTree } from '../helpers/kopia-trees.ts';
import { azureLocation, createS3Bucket, s3Location } from '../helpers/locations.ts';

// Repositories created and snapshotted by the kopia CLI (Velero's defaults and others), read,
// restored and verified by lifeboat; the restored trees must equal the sources entry by entry.

const exec = promisify(execFile);
const env = inject('harness');
const PASSWORD = 'static-passw0rd';
let dir: string;
let kopiaPath: string;
let full: string;
let small: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-kopia-read-'));
  kopiaPath = (await kopiaBinaries()).kopia;
  full = join(dir, 'src-full');
  small = join(dir, 'src-small');
  await buildTree(full, { smallFiles: 400, bigFileBytes: 64 << 20, sparse: true });
  await buildTree(small, { smallFiles: 40, bigFileBytes: 6 << 20, sparse: false });
}, 600_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function kopia(config: string, args: string[]): Promise<string> {
  const { stdout } = await exec(
    kopiaPath,
    [...args, '--config-file', join(dir, `${config}.config`), '--password', PASSWORD],
    {
      env: { PATH: process.env['PATH'] ?? '', HOME: dir, KOPIA_CHECK_FOR_UPDATES: 'false' },
      maxBuffer: 1 << 26,
    },
  );
  return stdout;
}

const cache = (config: string) => ['--cache-directory', join(dir, `${config}.cache`)];

async function createFilesystemRepo(name: string, extra: string[] = []) {
  const root = join(dir, name);
  const path = join(root, 'kopia', 'ns1');
  await mkdir(path, { recursive: true });
  await kopia(name, [
    'repository',
    'create',
    'filesystem',
    '--path',
    path,
    '--no-persist-credentials',
    ...cache(name),
    ...extra,
  ]);
  return { root, path, blobs: () => shardedBlobs(new FilesystemObjectStore({ root }), 'kopia/ns1/') };
}

async function snapshot(config: string, source: string): Promise<string> {
  return (JSON.parse(await kopia(config, ['snapshot', 'create', source, '--json'])) as { id: string }).id;
}

/** Restores the snapshot with lifeboat and expects the tree to equal the source. */
async function expectRestores(repo: KopiaRepository, id: string, source: string): Promise<string> {
  const out = join(dir, `out-${randomBytes(4).toString('hex')}`);
  const t0 = performance.now();
  const stats = await restoreSnapshot(repo, id, out);
  const ms = performance.now() - t0;
  console.log(
    `restored ${stats.files} files, ${(stats.bytes / 2 ** 20).toFixed(1)} MiB in ${Math.round(ms)} ms`,
  );
  const want = await describeTree(source);
  const got = await describeTree(out);
  // A restored symlink's own mtime is rounded to kopia's timeval; the rest is exact to the microsecond.
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [path, w] of want) expect({ path, ...got.get(path) }).toEqual({ path, ...w });
  return out;
}

describe('kopia → lifeboat', { timeout: 180_000 }, () => {
  it('a filesystem repository with Velero’s defaults restores byte for byte, lists by source and verifies', async () => {
    const repo = await createFilesystemRepo('fs');
    const id = await snapshot('fs', full);
    const r = await openRepository(repo.blobs(), PASSWORD);
    expect(r.format.config).toMatchObject({
      hash: 'BLAKE2B-256-128',
      encryption: 'AES256-GCM-HMAC-SHA256',
      indexVersion: 2,
    });
    const snaps = await r.listSnapshots({ path: full });
    expect(snaps.map((s) => s.id)).toEqual([id]);
    expect(await r.listSnapshots({ path: '/elsewhere' })).toEqual([]);
    const listed = JSON.parse(await kopia('fs', ['snapshot', 'list', '--json', '--all'])) as {
      id: string;
      rootEntry: { obj: string };
      stats: { totalSize: number };
    }[];
    expect(
      (await r.listSnapshots()).map((m) => ({
        id: m.id,
        obj: m.rootEntry === null ? '' : formatObjectId(m.rootEntry.obj),
        size: m.stats.totalSize,
      })),
    ).toEqual(listed.map((m) => ({ id: m.id, obj: m.rootEntry.obj, size: m.stats.totalSize })));
    const out = await expectRestores(r, id, full);
    expect(await allocatedBytes(join(out, 'sparse.img'))).toBeLessThan(1 << 20);
    const quick = await verifySnapshot(r, id);
    expect(quick).toMatchObject({ errorCount: 0, files: 400 + 6 });
    const deep = await verifySnapshot(r, id, { readData: true });
    expect(deep.errorCount).toBe(0);
    expect(deep.bytes).toBe(quick.bytes);
    await expect(r.getSnapshot('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('a repository kopia created on S3 (versitygw) restores byte for byte', async () => {
    const s3 = env.s3!;
    const bucket = await createS3Bucket(s3);
    await kopia('s3', [
      'repository',
      'create',
      ...kopiaS3Storage(s3, bucket, 'velero/kopia/ns1/'),
      '--no-persist-credentials',
      ...cache('s3'),
    ]);
    const id = await snapshot('s3', small);
    const store = await openObjectStore(await s3Location(dir, env.s3!, bucket));
    try {
      const r = await openRepository(objectStoreBlobs(store, 'velero/kopia/ns1/'), PASSWORD);
      await expectRestores(r, id, small);
      expect((await verifySnapshot(r, id, { readData: true })).errorCount).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('a kopia repository copied to Azurite (kopia reaches Azure only over https) restores byte for byte', async () => {
    const repo = await createFilesystemRepo('azure-src');
    const id = await snapshot('azure-src', small);
    const container = `lifeboat-${randomBytes(5).toString('hex')}`;
    const { BlobServiceClient } = await import('@azure/storage-blob');
    await BlobServiceClient.fromConnectionString(env.azure!.connectionString)
      .getContainerClient(container)
      .create();
    const store = await openObjectStore(await azureLocation(dir, env.azure!, container), { env: {} });
    try {
      const blobs = objectStoreBlobs(store, 'kopia/ns1/');
      await copyBlobs(repo.blobs(), blobs);
      const r = await openRepository(blobs, PASSWORD);
      await expectRestores(r, id, small);
    } finally {
      await store.close();
    }
  });

  it('other hashes, ChaCha20, every compressor, many epochs of index blobs and a full maintenance', async () => {
    const repo = await createFilesystemRepo('algos', [
      '--block-hash',
      'HMAC-SHA256',
      '--encryption',
      'CHACHA20-POLY1305-HMAC-SHA256',
      '--max-list-cache-duration=0s',
    ]);
    const ids = new Map<string, string>();
    const compressors = ['zstd', 'gzip', 'deflate-default', 's2-default', 'lz4', 'none'];
    // The kopia CLI has no fake clock: epochs are advanced by writing their markers (as kopia-index-epochs does).
    for (const [epoch, c] of compressors.entries()) {
      const src = join(dir, `src-${c}`);
      await mkdir(join(src, 'sub'), { recursive: true });
      await writeFile(join(src, 'text.txt'), `${c} `.repeat(200_000));
      await writeFile(join(src, 'sub', 'random.bin'), randomBytes(300_000));
      await kopia('algos', ['policy', 'set', '--global', `--compression=${c}`]);
      ids.set(c, await snapshot('algos', src));
      await writeFile(join(repo.path, `xe${epoch + 1}.f`), 'epoch-marker');
    }
    const before = await openRepository(repo.blobs(), PASSWORD);
    expect(before.format.config.hash).toBe('HMAC-SHA256');
    for (const [c, id] of ids) await expectRestores(before, id, join(dir, `src-${c}`));
    // Deleting a snapshot makes maintenance write deletion markers and a watermark; it compacts settled epochs.
    const gone = ids.get('none') ?? '';
    ids.delete('none');
    await kopia('algos', ['snapshot', 'delete', gone, '--delete']);
    await kopia('algos', ['maintenance', 'run', '--full', '--safety=none']);
    const epochBlobs: string[] = [];
    for await (const b of repo.blobs().listBlobs('x')) epochBlobs.push(b.id);
    expect(epochBlobs.some((id) => id.startsWith('xs') || id.startsWith('xr'))).toBe(true);
    const after = await openRepository(repo.blobs(), PASSWORD);
    expect((await after.listSnapshots()).map((s) => s.id).sort()).toEqual([...ids.values()].sort());
    await expect(after.getSnapshot(gone)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const [c, id] of ids) await expectRestores(after, id, join(dir, `src-${c}`));
  });

  it('format version 1 (index v1, legacy index blobs and their compaction log) restores', async () => {
    const repo = await createFilesystemRepo('v1', ['--format-version=1']);
    const first = await snapshot('v1', small);
    const other = join(dir, 'src-v1');
    await mkdir(other);
    await writeFile(join(other, 'only.txt'), 'second snapshot\n');
    const second = await snapshot('v1', other);
    await kopia('v1', ['index', 'optimize', '--max-small-blobs=1', '--dangerous-commands=enabled']);
    const logs: string[] = [];
    for await (const b of repo.blobs().listBlobs('m')) logs.push(b.id);
    expect(logs.length).toBeGreaterThan(0);
    const r = await openRepository(repo.blobs(), PASSWORD);
    expect(r.format.config).toMatchObject({ version: 1, indexVersion: 1 });
    await expectRestores(r, second, other);
    await expectRestores(r, first, small);
  });

  it('BLAKE3-256 with AES: a snapshot restores', async () => {
    const repo = await createFilesystemRepo('blake3', ['--block-hash', 'BLAKE3-256']);
    const id = await snapshot('blake3', small);
    await expectRestores(await openRepository(repo.blobs(), PASSWORD), id, small);
  });
});

describe('damaged repositories fail with errors naming what is damaged', { timeout: 120_000 }, () => {
  let base: Awaited<ReturnType<typeof createFilesystemRepo>>;
  let id: string;
  beforeAll(async () => {
    base = await createFilesystemRepo('damaged-base');
    id = await snapshot('damaged-base', small);
  }, 120_000);

  async function damagedCopy(name: string) {
    const root = join(dir, name);
    await cp(base.root, root, { recursive: true });
    const blobs = shardedBlobs(new FilesystemObjectStore({ root }), 'kopia/ns1/');
    const packs: { id: string; length: number }[] = [];
    for await (const b of blobs.listBlobs('p')) packs.push(b);
    const pack = packs.sort((a, b) => b.length - a.length)[0];
    if (pack === undefined) throw new Error('no data pack');
    return {
      root,
      blobs,
      pack,
      file: join(root, 'kopia', 'ns1', pack.id.slice(0, 1), pack.id.slice(1, 4), `${pack.id.slice(4)}.f`),
    };
  }

  it('a wrong password is UNAUTHENTICATED', async () => {
    await expect(openRepository(base.blobs(), 'not-the-password')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('a flipped byte in a pack is INTEGRITY naming the content and the pack', async () => {
    const copy = await damagedCopy('flipped');
    const h = await open(copy.file, 'r+');
    const byte = Buffer.alloc(1);
    const at = Math.floor(copy.pack.length / 2);
    await h.read(byte, 0, 1, at);
    byte[0] = (byte[0] ?? 0) ^ 0x40;
    await h.write(byte, 0, 1, at);
    await h.close();
    const r = await openRepository(copy.blobs, PASSWORD);
    const err = await restoreSnapshot(r, id, join(dir, 'out-flipped')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTEGRITY' });
    expect(String((err as Error).message)).toMatch(new RegExp(`[Cc]ontent [0-9a-f]+.*pack ${copy.pack.id}`));
    const report = await verifySnapshot(r, id, { readData: true });
    expect(report.errorCount).toBeGreaterThan(0);
    expect(report.errors[0]?.path).toBe('big.bin');
    expect(report.errors[0]?.contentId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a deleted pack names the content and the missing pack', async () => {
    const copy = await damagedCopy('deleted');
    await rm(copy.file);
    const r = await openRepository(copy.blobs, PASSWORD);
    const err = await restoreSnapshot(r, id, join(dir, 'out-deleted')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT' });
    expect(String((err as Error).message)).toMatch(
      new RegExp(`content [0-9a-f]+ is in pack ${copy.pack.id}, which is missing`),
    );
    const report = await verifySnapshot(r, id);
    expect(report.errorCount).toBeGreaterThan(0);
    expect(report.errors[0]?.message).toContain(`missing blob ${copy.pack.id}`);
  });
});
