// The write side at size and on Azure, checked by the kopia CLI: a 1 GiB file of random data
// (streamed, never held in memory) beside a large sparse file, and a repository lifeboat writes
// into Azurite. kopia's Azure backend speaks only https, so the Azurite repository is copied blob
// for blob into a filesystem repository that kopia verifies and restores.
import { execFile } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
import { openRepository } from '../../src/volumedata/kopia/repository/repository.ts';
import { restoreSnapshot } from '../../src/volumedata/kopia/repository/index.ts';
import { createSnapshot, initializeRepository } from '../../src/volumedata/kopia/repository/writer/index.ts';
import { kopiaBinaries } from '../helpers/kopia.ts';
import { copyBlobs } from '../helpers/kopia-repos.ts';
import { azureLocation } from '../helpers/locations.ts';
import { type Described, describeTree } from './kopia-write.support.ts';

const exec = promisify(execFile);
const env = inject('harness');
const PASSWORD = 'static-passw0rd';
const MiB = 1 << 20;
const GiB = 1024 * MiB;
const velero = {
  source: veleroSnapshotSource('pod-volume-backup-restore', 'ns1/db-0/data'),
  ...veleroSnapshotFields('pod-volume-backup-restore'),
  pin: ['velero-pin'],
};

let work: string;
let kopiaPath: string;

async function kopia(name: string, args: string[]): Promise<string> {
  const { stdout } = await exec(kopiaPath, [...args, '--config-file', join(work, `${name}.config`)], {
    maxBuffer: 1 << 26,
    env: { ...process.env, KOPIA_PASSWORD: PASSWORD, KOPIA_CHECK_FOR_UPDATES: 'false' },
  });
  return stdout;
}

/** Connects the kopia CLI as `name` to the filesystem repository at path, verifies every file's data, restores. */
async function kopiaVerifiesAndRestores(name: string, path: string, id: string): Promise<string> {
  await kopia(name, [
    'repository',
    'connect',
    'filesystem',
    '--path',
    path,
    '--cache-directory',
    join(work, `${name}.cache`),
    '--no-persist-credentials',
  ]);
  await kopia(name, ['snapshot', 'verify', '--verify-files-percent=100', '--file-parallelism=2']);
  await kopia(name, ['content', 'verify']);
  const out = join(work, `${name}-restored`);
  await kopia(name, ['snapshot', 'restore', id, out, '--write-sparse-files']);
  return out;
}

/** `length` bytes of AES-256-CTR keystream (seeded), written in 8 MiB pieces. */
async function writeRandomFile(path: string, length: number, seed: number): Promise<void> {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16));
  const zeros = Buffer.alloc(8 * MiB);
  function* pieces() {
    for (let done = 0; done < length; done += zeros.length)
      yield cipher.update(zeros.subarray(0, Math.min(zeros.length, length - done)));
  }
  await pipeline(Readable.from(pieces()), createWriteStream(path));
}

function toMicroseconds(tree: Record<string, Described>): Record<string, Described> {
  return Object.fromEntries(
    Object.entries(tree).map(([path, d]) => [
      path,
      d.mtimeNs === undefined ? d : { ...d, mtimeNs: d.mtimeNs.slice(0, -3) },
    ]),
  );
}

beforeAll(async () => {
  kopiaPath = (await kopiaBinaries()).kopia;
  work = await mkdtemp(join(tmpdir(), 'kopia-write-large-'));
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('lifeboat writes at size and on Azure, kopia checks', () => {
  it('a 1 GiB random file and a 1 GiB sparse file: kopia verifies all data and restores byte for byte', async () => {
    const src = join(work, 'large-src');
    await mkdir(src);
    await writeRandomFile(join(src, 'random-1g.bin'), GiB, 7);
    const sparse = await open(join(src, 'sparse-1g.img'), 'w');
    await sparse.write(Buffer.from('start'), 0, 5, 0);
    await sparse.write(randomBytes(MiB), 0, MiB, GiB / 2);
    await sparse.truncate(GiB);
    await sparse.close();
    await writeFile(join(src, 'small.txt'), 'beside the big ones\n');

    const root = join(work, 'large');
    const blobs = shardedBlobs(new FilesystemObjectStore({ root, create: true }), 'kopia/ns1/', {
      create: true,
    });
    await initializeRepository(blobs, PASSWORD);
    const snap = await createSnapshot(await openRepository(blobs, PASSWORD), src, velero);
    expect(snap.stats.fileCount).toBe(3);
    expect(snap.stats.totalSize).toBe(2 * GiB + 20);
    // All of the random data is new; the sparse file's zeros deduplicate to one content of each size.
    expect(snap.stats.uploadedBytes).toBeGreaterThanOrEqual(GiB + MiB);
    expect(snap.stats.uploadedBytes).toBeLessThan(GiB + 16 * MiB);

    const out = await kopiaVerifiesAndRestores('large', join(root, 'kopia/ns1'), snap.id);
    const expected = await describeTree(src);
    expect(await describeTree(out)).toEqual(expected);
    await rm(out, { recursive: true });

    // lifeboat's own restore of its own snapshot: the same bytes, mtimes to the microsecond (all
    // Node's utimes keeps).
    const mine = join(work, 'large-lifeboat-restored');
    await restoreSnapshot(await openRepository(blobs, PASSWORD), snap.id, mine);
    expect(toMicroseconds(await describeTree(mine))).toEqual(toMicroseconds(expected));
  }, 600_000);

  it('a repository lifeboat writes into Azurite passes kopia verify and restores byte for byte', async () => {
    const src = join(work, 'azure-src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeRandomFile(join(src, 'data.bin'), 24 * MiB, 3);
    for (let i = 0; i < 50; i++) await writeFile(join(src, 'sub', `f${i}.txt`), `file ${i}\n`.repeat(i));

    const container = `lifeboat-${randomBytes(5).toString('hex')}`;
    const { BlobServiceClient } = await import('@azure/storage-blob');
    await BlobServiceClient.fromConnectionString(env.azure!.connectionString)
      .getContainerClient(container)
      .create();
    const store = await openObjectStore(await azureLocation(work, env.azure!, container), { env: {} });
    try {
      const azure = objectStoreBlobs(store, 'kopia/ns1/');
      await initializeRepository(azure, PASSWORD);
      // Sealed on a worker into shared pack buffers, which the Azure client then uploads.
      const snap = await createSnapshot(await openRepository(azure, PASSWORD), src, {
        ...velero,
        workers: 1,
      });

      const root = join(work, 'from-azure');
      const local = shardedBlobs(new FilesystemObjectStore({ root, create: true }), 'kopia/ns1/', {
        create: true,
      });
      expect(await copyBlobs(azure, local)).toBeGreaterThan(3);
      const out = await kopiaVerifiesAndRestores('from-azure', join(root, 'kopia/ns1'), snap.id);
      expect(await describeTree(out)).toEqual(await describeTree(src));
    } finally {
      await store.close();
    }
  }, 180_000);
});
