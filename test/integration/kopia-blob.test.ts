import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FilesystemObjectStore } from '../../src/store/providers/filesystem/filesystem-store.ts';
import { openObjectStore } from '../../src/store/registry.ts';
import { objectStoreBlobs } from '../../src/volumedata/kopia/blob/object-store-blobs.ts';
import { shardedBlobs } from '../../src/volumedata/kopia/blob/sharded-blobs.ts';
import { readVeleroMarker } from '../../src/volumedata/kopia/format/velero-marker.ts';
import {
  createRepositoryFormat,
  openRepositoryFormat,
} from '../../src/volumedata/kopia/format/repository-format.ts';
import { kopiaBinaries, kopiaS3Storage, runOracle } from '../helpers/kopia.ts';
import { kopiaWorkspace, PASSWORD } from '../helpers/kopia-repos.ts';
import { createS3Bucket } from '../helpers/locations.ts';

const env = inject('harness');
let dir: string;
let ws: ReturnType<typeof kopiaWorkspace>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-kopia-blob-'));
  ws = kopiaWorkspace(dir, (await kopiaBinaries()).kopia, env);
  await runOracle('version'); // builds the oracle once, before the timed tests
}, 600_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kopia → lifeboat', { timeout: 300_000 }, () => {
  it('opens a filesystem repository kopia created with Velero defaults (scrypt): the same keys, config and blobs', async () => {
    const repo = await ws.filesystemRepo('fs-default');
    const format = await openRepositoryFormat(repo.blobs, PASSWORD);
    ws.expectSameFormat(format, await ws.oracleFormat(repo.path));
    await ws.expectStatus('fs-default', format);
    await ws.expectSameBlobs('fs-default', repo.blobs);
    expect(format.config).toMatchObject({
      hash: 'BLAKE2B-256-128',
      encryption: 'AES256-GCM-HMAC-SHA256',
      version: 3,
    });
    expect(await readFile(join(repo.path, '.shards'), 'utf8')).toBe(
      '{"default":[1,3],"maxNonShardedLength":20}\n',
    );
  });

  it('opens one with pbkdf2 and other algorithms', async () => {
    const repo = await ws.filesystemRepo('fs-pbkdf2', [
      '--format-block-key-derivation-algorithm=pbkdf2-sha256-600000',
      '--block-hash=HMAC-SHA256-128',
      '--encryption=CHACHA20-POLY1305-HMAC-SHA256',
      '--object-splitter=DYNAMIC-1M-BUZHASH',
    ]);
    const format = await openRepositoryFormat(repo.blobs, PASSWORD);
    expect(format.formatBlob.keyAlgo).toBe('pbkdf2-sha256-600000');
    ws.expectSameFormat(format, await ws.oracleFormat(repo.path));
    await ws.expectStatus('fs-pbkdf2', format);
  });

  it('a wrong password fails clearly; so does an unknown required feature, which kopia refuses too', async () => {
    const repo = await ws.filesystemRepo('fs-wrong');
    const err = await openRepositoryFormat(repo.blobs, 'not-the-password').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('password is wrong') as string,
    });

    const path = join(dir, 'feature', 'kopia', 'ns1');
    const config = {
      hash: 'BLAKE2B-256-128',
      encryption: 'AES256-GCM-HMAC-SHA256',
      secret: randomBytes(32).toString('base64'),
      masterKey: randomBytes(32).toString('base64'),
      version: 3,
      maxPackSize: 20 << 20,
      indexVersion: 2,
      epochParameters: { Enabled: false },
      enablePasswordChange: true,
      splitter: 'DYNAMIC-4M-BUZHASH',
      requiredFeatures: [{ feature: 'index-v9', ifNotUnderstood: { message: 'needs index v9' } }],
    };
    await runOracle('format-create', [path, PASSWORD, 'scrypt-65536-8-1'], JSON.stringify(config));
    const store = new FilesystemObjectStore({ root: join(dir, 'feature') });
    const refused = await openRepositoryFormat(shardedBlobs(store, 'kopia/ns1/'), PASSWORD).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'UNSUPPORTED', details: { features: ['index-v9'] } });
    const kopiaErr = await ws
      .kopia('feature', ['repository', 'connect', 'filesystem', '--path', path, ...ws.cache('feature')])
      .catch((e: unknown) => e as { stderr: string });
    expect(String((kopiaErr as { stderr?: string }).stderr)).toContain("does not support feature 'index-v9'");
  });

  it('opens a repository kopia created on S3 (versitygw) under kopia/ns1/', async () => {
    const s3 = env.s3!;
    const bucket = await createS3Bucket(s3);
    await ws.kopia('s3', [
      'repository',
      'create',
      ...kopiaS3Storage(s3, bucket, 'velero/kopia/ns1/'),
      '--no-persist-credentials',
      ...ws.cache('s3'),
    ]);
    const store = await openObjectStore(await ws.s3Location(bucket));
    try {
      const blobs = objectStoreBlobs(store, 'velero/kopia/ns1/');
      const format = await openRepositoryFormat(blobs, PASSWORD);
      await ws.expectStatus('s3', format);
      await ws.expectSameBlobs('s3', blobs);
      await expect(openRepositoryFormat(blobs, 'wrong')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      await store.close();
    }
  });

  it('opens a kopia repository on Azurite (kopia reaches Azure only over https: its blobs are copied there)', async () => {
    const repo = await ws.filesystemRepo('azure-src');
    const container = `lifeboat-${randomBytes(5).toString('hex')}`;
    const { BlobServiceClient } = await import('@azure/storage-blob');
    await BlobServiceClient.fromConnectionString(env.azure!.connectionString)
      .getContainerClient(container)
      .create();
    const store = await openObjectStore(await ws.azureLocation(container), { env: {} });
    try {
      const blobs = objectStoreBlobs(store, 'kopia/ns1/');
      for await (const b of repo.blobs.listBlobs(''))
        await blobs.putBlob(b.id, await repo.blobs.getBlob(b.id));
      const format = await openRepositoryFormat(blobs, PASSWORD);
      ws.expectSameFormat(format, await ws.oracleFormat(repo.path));
      const pack = (await ws.collect(blobs, 'q'))[0];
      expect(pack).toBeDefined();
      if (pack !== undefined) {
        const whole = await repo.blobs.getBlob(pack.id);
        expect(
          (await blobs.getBlob(pack.id, { offset: 7, length: 100 })).equals(whole.subarray(7, 107)),
        ).toBe(true);
      }
    } finally {
      await store.close();
    }
  });
});

describe('lifeboat → kopia', { timeout: 300_000 }, () => {
  it('a repository lifeboat created on the filesystem connects with kopia, which reads the same format and snapshots into it', async () => {
    const root = join(dir, 'ours');
    const store = new FilesystemObjectStore({ root, create: true });
    const blobs = shardedBlobs(store, 'kopia/ns2/', { create: true });
    const created = await createRepositoryFormat(blobs, PASSWORD, { veleroMarker: true });
    const path = join(root, 'kopia', 'ns2');
    expect(await readFile(join(path, '.shards'), 'utf8')).toBe(
      '{"default":[1,3],"maxNonShardedLength":20}\n',
    );
    ws.expectSameFormat(created, await ws.oracleFormat(path));
    await ws.kopia('ours', ['repository', 'connect', 'filesystem', '--path', path, ...ws.cache('ours')]);
    await ws.expectStatus('ours', created);
    const data = join(dir, 'data');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'a.txt'), randomBytes(100_000));
    await ws.kopia('ours', ['snapshot', 'create', data]);
    await ws.kopia('ours', ['snapshot', 'verify', '--verify-files-percent=100']);
    await ws.expectSameBlobs('ours', blobs);
    expect((await readVeleroMarker(blobs))?.equals(created.uniqueId)).toBe(true);
    const reopened = await openRepositoryFormat(shardedBlobs(store, 'kopia/ns2/'), PASSWORD);
    expect(reopened.config).toEqual(created.config);
  });

  it('a repository lifeboat created on S3 (versitygw) connects with kopia', async () => {
    const s3 = env.s3!;
    const bucket = await createS3Bucket(s3);
    const store = await openObjectStore(await ws.s3Location(bucket));
    try {
      const blobs = objectStoreBlobs(store, 'velero/kopia/ns2/');
      const created = await createRepositoryFormat(blobs, PASSWORD);
      await ws.kopia('ours-s3', [
        ...['repository', 'connect', ...kopiaS3Storage(s3, bucket, 'velero/kopia/ns2/')],
        ...ws.cache('ours-s3'),
      ]);
      await ws.expectStatus('ours-s3', created);
      await ws.expectSameBlobs('ours-s3', blobs);
    } finally {
      await store.close();
    }
  });
});

describe('filesystem layouts kopia reads and writes', { timeout: 300_000 }, () => {
  async function snapshotSomething(config: string): Promise<void> {
    const data = join(dir, `${config}-data`);
    await mkdir(join(data, 'sub'), { recursive: true });
    await writeFile(join(data, 'a.bin'), randomBytes(50_000));
    await writeFile(join(data, 'sub', 'b.txt'), 'b');
    await ws.kopia(config, ['snapshot', 'create', data]);
  }

  it('a flat repository (kopia --flat) lists and opens the same', async () => {
    const repo = await ws.filesystemRepo('flat', ['--flat']);
    await ws.kopia('flat', ['repository', 'connect', 'filesystem', '--path', repo.path, ...ws.cache('flat')]);
    await snapshotSomething('flat');
    expect(await readFile(join(repo.path, '.shards'), 'utf8')).toBe(
      '{"default":[],"maxNonShardedLength":20}\n',
    );
    await ws.expectSameBlobs('flat', repo.blobs);
    ws.expectSameFormat(await openRepositoryFormat(repo.blobs, PASSWORD), await ws.oracleFormat(repo.path));
  });

  it('without .shards both read the legacy [3,3] layout', async () => {
    const root = join(dir, 'legacy');
    const store = new FilesystemObjectStore({ root, create: true });
    await createRepositoryFormat(shardedBlobs(store, 'kopia/ns1/'), PASSWORD);
    const path = join(root, 'kopia', 'ns1');
    await ws.kopia('legacy', ['repository', 'connect', 'filesystem', '--path', path, ...ws.cache('legacy')]);
    await snapshotSomething('legacy');
    // kopia wrote the layout it assumed when it connected; without the file lifeboat assumes the same.
    expect(await readFile(join(path, '.shards'), 'utf8')).toBe(
      '{"default":[3,3],"maxNonShardedLength":20}\n',
    );
    await rm(join(path, '.shards'));
    await ws.expectSameBlobs('legacy', shardedBlobs(store, 'kopia/ns1/'));
    const packs = await ws.collect(shardedBlobs(store, 'kopia/ns1/'), 'p');
    expect(packs.length).toBeGreaterThan(0);
  });
});
