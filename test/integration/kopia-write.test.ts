// The write side against the kopia CLI: repositories and snapshots lifeboat writes pass kopia's
// verification and restore byte for byte; lifeboat and kopia add snapshots to each other's
// repositories; a parent snapshot keeps a second snapshot's uploads to a few chunks; a writer
// killed mid-snapshot leaves a repository kopia still verifies.
import { execFile, spawn } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rename, rm, symlink, utimes, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FilesystemObjectStore } from '../../src/store/providers/filesystem/filesystem-store.ts';
import { openObjectStore } from '../../src/store/registry.ts';
import { objectStoreBlobs } from '../../src/volumedata/kopia/blob/object-store-blobs.ts';
import { shardedBlobs } from '../../src/volumedata/kopia/blob/sharded-blobs.ts';
import {
  veleroSnapshotFields,
  veleroSnapshotSource,
} from '../../src/volumedata/kopia/object/snapshot-manifest.ts';
import { formatObjectId } from '../../src/volumedata/kopia/object/object-id.ts';
import { openRepository } from '../../src/volumedata/kopia/repository/repository.ts';
import { createSnapshot, initializeRepository } from '../../src/volumedata/kopia/repository/writer/index.ts';
import { kopiaBinaries, kopiaS3Storage } from '../helpers/kopia.ts';
import { createS3Bucket, s3Location } from '../helpers/locations.ts';
import { describeTree } from './kopia-write.support.ts';

const exec = promisify(execFile);
const env = inject('harness');
const PASSWORD = 'static-passw0rd';
const MiB = 1 << 20;
const source = veleroSnapshotSource('pod-volume-backup-restore', 'ns1/pod-0/data');
const velero = { source, ...veleroSnapshotFields('pod-volume-backup-restore'), pin: ['velero-pin'] };

let work: string;

/** Deterministic pseudo-random bytes: AES-256-CTR's keystream under a key made of the seed. */
function seeded(length: number, seed: number): Buffer {
  return createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16)).update(Buffer.alloc(length));
}
let kopiaPath: string;

async function kopia(name: string, args: string[]): Promise<string> {
  const { stdout } = await exec(kopiaPath, [...args, '--config-file', join(work, `${name}.config`)], {
    maxBuffer: 1 << 26,
    env: { ...process.env, KOPIA_PASSWORD: PASSWORD, KOPIA_CHECK_FOR_UPDATES: 'false' },
  });
  return stdout;
}
const cache = (name: string) => [
  '--cache-directory',
  join(work, `${name}.cache`),
  '--no-persist-credentials',
];

/** A filesystem location with a lifeboat-created repository under kopia/ns1/, connected for kopia as `name`. */
async function lifeboatRepo(name: string) {
  const root = join(work, name);
  const store = new FilesystemObjectStore({ root, create: true });
  const blobs = shardedBlobs(store, 'kopia/ns1/', { create: true });
  await initializeRepository(blobs, PASSWORD);
  await kopia(name, [
    'repository',
    'connect',
    'filesystem',
    '--path',
    join(root, 'kopia/ns1'),
    ...cache(name),
  ]);
  return { blobs, path: join(root, 'kopia/ns1') };
}

async function verifyWithKopia(name: string): Promise<void> {
  await kopia(name, ['snapshot', 'verify', '--verify-files-percent=100', '--file-parallelism=4']);
  const content = await kopia(name, ['content', 'verify']).catch(
    (e: { stdout?: string; stderr?: string }) => {
      throw new Error(`kopia content verify failed: ${e.stderr ?? ''}`);
    },
  );
  expect(content).toBeDefined();
}

async function restoreWithKopia(name: string, id: string): Promise<string> {
  const out = join(work, `${name}-restore-${randomBytes(3).toString('hex')}`);
  await kopia(name, ['snapshot', 'restore', id, out, '--write-sparse-files']);
  return out;
}

async function richTree(dir: string): Promise<void> {
  await mkdir(join(dir, 'many'), { recursive: true });
  for (let i = 0; i < 300; i++)
    await writeFile(join(dir, 'many', `f${i}`), `small file ${i}\n`.repeat(i % 7));
  await writeFile(join(dir, 'zero'), '');
  await mkdir(join(dir, 'empty'));
  await writeFile(join(dir, 'random.bin'), randomBytes(64 * MiB));
  const sparse = await open(join(dir, 'sparse.img'), 'w');
  await sparse.write(Buffer.from('head'), 0, 4, 0);
  await sparse.write(Buffer.from('tail'), 0, 4, 48 * MiB);
  await sparse.close();
  let deep = dir;
  for (let i = 0; i < 40; i++) deep = join(deep, `d${i}`);
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'bottom.txt'), 'bottom\n');
  await symlink('../zero', join(dir, 'many', 'rel-link'));
  await symlink('/etc/hostname', join(dir, 'abs-link'));
  await symlink('nowhere/at/all', join(dir, 'dangling'));
  await symlink('loop', join(dir, 'loop'));
  await writeFile(join(dir, 'n'.repeat(255)), 'long name\n');
  await writeFile(join(dir, 'Grüße 日本語 😀.txt'), 'non-ascii\n');
  await writeFile(join(dir, 'exec.sh'), '#!/bin/sh\n');
  await chmod(join(dir, 'exec.sh'), 0o751);
  await chmod(join(dir, 'empty'), 0o700);
  await utimes(join(dir, 'zero'), new Date('2001-02-03T04:05:06.789Z'), new Date('2001-02-03T04:05:06.789Z'));
}

beforeAll(async () => {
  kopiaPath = (await kopiaBinaries()).kopia;
  work = await mkdtemp(join(tmpdir(), 'kopia-write-'));
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('snapshots lifeboat writes, checked by kopia', () => {
  it('a lifeboat repository and snapshot pass kopia verify and restore byte for byte', async () => {
    const src = join(work, 'rich-src');
    await richTree(src);
    const { blobs } = await lifeboatRepo('rich');
    const repo = await openRepository(blobs, PASSWORD);
    const snap = await createSnapshot(repo, src, { ...velero, workers: 2 }); // sealed on worker threads
    expect(snap.stats.fileCount).toBe(307);
    await verifyWithKopia('rich');
    const listed = JSON.parse(await kopia('rich', ['snapshot', 'list', '--all', '--json'])) as Array<{
      id: string;
      source: { host: string; userName: string; path: string };
      tags?: Record<string, string>;
      pins?: string[];
      description?: string;
    }>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: snap.id,
      source,
      description: 'Kopia Uploader',
      pins: ['velero-pin'],
    });
    expect(listed[0]?.tags).toMatchObject({
      'snapshot-requester': 'pod-volume-backup-restore',
      'snapshot-uploader': 'kopia',
    });
    const out = await restoreWithKopia('rich', snap.id);
    expect(await describeTree(out)).toEqual(await describeTree(src));
    // Every pack carries its own index after the padding: kopia's index recovery finds every content.
    const recovered = await exec(
      kopiaPath,
      ['index', 'recover', '--dangerous-commands=enabled', '--config-file', join(work, 'rich.config')],
      {
        env: { ...process.env, KOPIA_PASSWORD: PASSWORD, KOPIA_CHECK_FOR_UPDATES: 'false' },
      },
    );
    expect(`${recovered.stdout}${recovered.stderr}`).toContain(
      `Found ${snap.stats.writtenContents} contents to recover from ${snap.stats.packs} blobs`,
    );
    // kopia snapshotting the same tree writes byte-identical directories: the same root object.
    const byKopia = JSON.parse(await kopia('rich', ['snapshot', 'create', src, '--json'])) as {
      rootEntry: { obj: string };
    };
    expect(byKopia.rootEntry.obj).toBe(snap.rootEntry === null ? '' : formatObjectId(snap.rootEntry.obj));
  }, 90_000);

  it('kopia adds a snapshot to a lifeboat repository, lifeboat adds one to a kopia repository', async () => {
    const src = join(work, 'mixed-src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.bin'), randomBytes(9 * MiB));
    await writeFile(join(src, 'sub', 'b.txt'), 'b\n');

    const { blobs } = await lifeboatRepo('lb');
    await createSnapshot(await openRepository(blobs, PASSWORD), src, velero);
    await kopia('lb', ['snapshot', 'create', src]);
    await verifyWithKopia('lb');
    const both = await (await openRepository(blobs, PASSWORD)).listSnapshots();
    expect(both).toHaveLength(2);

    const kroot = join(work, 'kp');
    await kopia('kp', [
      'repository',
      'create',
      'filesystem',
      '--path',
      join(kroot, 'kopia/ns1'),
      ...cache('kp'),
    ]);
    await kopia('kp', ['snapshot', 'create', src]);
    const kblobs = shardedBlobs(new FilesystemObjectStore({ root: kroot }), 'kopia/ns1/');
    const snap = await createSnapshot(await openRepository(kblobs, PASSWORD), src, velero);
    expect(snap.stats.writtenContents).toBeLessThan(4); // the data deduplicates against kopia's
    await verifyWithKopia('kp');
    const out = await restoreWithKopia('kp', snap.id);
    expect(await describeTree(out)).toEqual(await describeTree(src));
  }, 60_000);
});

describe('incremental snapshots', () => {
  it('a changed, shifted or renamed file uploads only a few chunks', async () => {
    const src = join(work, 'inc-src');
    await mkdir(src);
    // Seeded data: where content-defined cuts fall (and so how soon they resynchronise after a
    // change) depends on the bytes; fixed bytes make the uploads below the same on every run.
    const big = seeded(64 * MiB, 1);
    await writeFile(join(src, 'big.bin'), big);
    for (let i = 0; i < 20; i++) await writeFile(join(src, `s${i}`), `small ${i}`);
    const { blobs } = await lifeboatRepo('inc');
    const first = await createSnapshot(await openRepository(blobs, PASSWORD), src, velero);
    expect(first.stats.uploadedBytes).toBeGreaterThanOrEqual(64 * MiB);
    const maxChunk = 8 * MiB; // DYNAMIC-4M-BUZHASH cuts between 2 and 8 MiB
    const metadata = 64 * 1024;

    const same = await createSnapshot(await openRepository(blobs, PASSWORD), src, velero);
    expect(same.stats.cachedFiles).toBe(21);
    expect(same.stats.uploadedBytes).toBeLessThan(metadata);

    const changed = Buffer.from(big);
    seeded(Math.floor(big.length / 100), 2).copy(changed, 30 * MiB); // 1 % in place
    await writeFile(join(src, 'big.bin'), changed);
    const inPlace = await createSnapshot(await openRepository(blobs, PASSWORD), src, velero);
    expect(inPlace.stats.uploadedBytes).toBeLessThan(2 * maxChunk + metadata);

    await writeFile(join(src, 'big.bin'), Buffer.concat([Buffer.from([7]), changed]));
    const shifted = await createSnapshot(await openRepository(blobs, PASSWORD), src, velero);
    expect(shifted.stats.uploadedBytes).toBeLessThan(2 * maxChunk + metadata);

    for (let i = 0; i < 20; i++) await rename(join(src, `s${i}`), join(src, `renamed-${i}`));
    await rename(join(src, 'big.bin'), join(src, 'moved.bin'));
    const renamed = await createSnapshot(await openRepository(blobs, PASSWORD), src, velero);
    expect(renamed.stats.uploadedBytes).toBeLessThan(metadata);
    await verifyWithKopia('inc');
  }, 90_000);
});

describe('a writer killed mid-snapshot', () => {
  it('leaves orphan packs only: the next snapshot and kopia verify succeed', async () => {
    const src = join(work, 'crash-src');
    await mkdir(src);
    for (let i = 0; i < 4; i++) await writeFile(join(src, `f${i}.bin`), randomBytes(16 * MiB));
    const { path } = await lifeboatRepo('crash');
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'kopia-write.child.ts'), path, src, PASSWORD],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (/pack \d/.exec(d.toString()) !== null && Number(/pack (\d+)/.exec(d.toString())?.[1]) >= 2) {
          child.kill('SIGKILL');
        }
      });
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}`)),
      );
    });
    const blobs = shardedBlobs(new FilesystemObjectStore({ root: join(work, 'crash') }), 'kopia/ns1/');
    const snap = await createSnapshot(await openRepository(blobs, PASSWORD), src, velero);
    await verifyWithKopia('crash');
    const out = await restoreWithKopia('crash', snap.id);
    expect(await describeTree(out)).toEqual(await describeTree(src));
  }, 60_000);
});

describe('on S3 (versitygw)', () => {
  it('a small snapshot verifies with kopia against the S3 repository', async () => {
    const s3 = env.s3!;
    const bucket = await createS3Bucket(s3);
    const store = await openObjectStore(await s3Location(work, s3, bucket));
    const src = join(work, 's3-src');
    await mkdir(join(src, 'd'), { recursive: true });
    await writeFile(join(src, 'd', 'x.bin'), randomBytes(3 * MiB));
    await symlink('d/x.bin', join(src, 'link'));
    try {
      const blobs = objectStoreBlobs(store, 'velero/kopia/ns1/');
      await initializeRepository(blobs, PASSWORD);
      // Sealed on a worker into shared pack buffers, which the S3 client then uploads.
      const snap = await createSnapshot(await openRepository(blobs, PASSWORD), src, {
        ...velero,
        workers: 1,
      });
      await kopia('s3', [
        'repository',
        'connect',
        ...kopiaS3Storage(s3, bucket, 'velero/kopia/ns1/'),
        ...cache('s3'),
      ]);
      await verifyWithKopia('s3');
      const out = await restoreWithKopia('s3', snap.id);
      expect(await describeTree(out)).toEqual(await describeTree(src));
    } finally {
      await store.close();
    }
  }, 60_000);
});
