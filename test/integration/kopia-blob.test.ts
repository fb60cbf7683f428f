import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Location } from '../../src/model/location.ts';
import { FilesystemObjectStore } from '../../src/store/providers/filesystem/filesystem-store.ts';
import { openObjectStore } from '../../src/store/registry.ts';
import type { BlobStorage } from '../../src/volumedata/kopia/blob/blob-storage.ts';
import { objectStoreBlobs } from '../../src/volumedata/kopia/blob/object-store-blobs.ts';
import { shardedBlobs } from '../../src/volumedata/kopia/blob/sharded-blobs.ts';
import { readVeleroMarker } from '../../src/volumedata/kopia/format/velero-marker.ts';
import {
  createRepositoryFormat,
  openRepositoryFormat,
  type RepositoryFormat,
} from '../../src/volumedata/kopia/format/repository-format.ts';
import { kopiaBinaries, runOracle } from '../helpers/kopia.ts';
import { createS3Bucket } from '../helpers/locations.ts';

const exec = promisify(execFile);
const env = inject('harness');
const PASSWORD = 'static-passw0rd';
let dir: string;
let kopiaPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-kopia-blob-'));
  kopiaPath = (await kopiaBinaries()).kopia;
  await runOracle('version'); // builds the oracle once, before the timed tests
}, 600_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the kopia CLI with a config file and cache of its own under the test folder. */
async function kopia(config: string, args: string[], password = PASSWORD): Promise<string> {
  const { stdout } = await exec(
    kopiaPath,
    [...args, '--config-file', join(dir, `${config}.config`), '--password', password],
    {
      env: { PATH: process.env['PATH'] ?? '', HOME: dir, KOPIA_CHECK_FOR_UPDATES: 'false' },
      maxBuffer: 1 << 26,
    },
  );
  return stdout;
}

const cache = (config: string) => ['--cache-directory', join(dir, `${config}.cache`)];

interface OracleFormat {
  uniqueID: string;
  formatKey: string;
  hash: string;
  encryption: string;
  secret: string;
  masterKey: string;
  splitter: string;
  enablePasswordChange: boolean;
  mutable: { version: number; maxPackSize: number; indexVersion: number; epochParameters: unknown };
}

async function oracleFormat(path: string, password = PASSWORD): Promise<OracleFormat> {
  return JSON.parse((await runOracle('format-open', [path, password])).toString()) as OracleFormat;
}

/** Every field kopia's own format manager decrypted equals lifeboat's, secrets included. */
function expectSameFormat(format: RepositoryFormat, oracle: OracleFormat): void {
  expect(format.uniqueId.toString('base64')).toBe(oracle.uniqueID);
  expect(format.formatKey.toString('base64')).toBe(oracle.formatKey);
  expect(format.config.secret.toString('base64')).toBe(oracle.secret);
  expect(format.config.masterKey.toString('base64')).toBe(oracle.masterKey);
  expect(format.config).toMatchObject({
    hash: oracle.hash,
    encryption: oracle.encryption,
    splitter: oracle.splitter,
    enablePasswordChange: oracle.enablePasswordChange,
    version: oracle.mutable.version,
    maxPackSize: oracle.mutable.maxPackSize,
    indexVersion: oracle.mutable.indexVersion,
    epochParameters: oracle.mutable.epochParameters,
  });
}

/** What `kopia repository status --json` reports equals lifeboat's configuration. */
async function expectStatus(config: string, format: RepositoryFormat): Promise<void> {
  const status = JSON.parse(await kopia(config, ['repository', 'status', '--json'])) as {
    uniqueIDHex: string;
    contentFormat: Record<string, unknown>;
    objectFormat: { splitter: string };
  };
  expect(status.uniqueIDHex).toBe(format.uniqueId.toString('hex'));
  expect(status.objectFormat.splitter).toBe(format.config.splitter);
  expect(status.contentFormat).toMatchObject({
    hash: format.config.hash,
    encryption: format.config.encryption,
    version: format.config.version,
    maxPackSize: format.config.maxPackSize,
    indexVersion: format.config.indexVersion,
    epochParameters: format.config.epochParameters,
    enablePasswordChange: format.config.enablePasswordChange,
  });
}

/** The blob IDs `kopia blob list` shows equal lifeboat's listing. */
async function expectSameBlobs(config: string, blobs: BlobStorage): Promise<void> {
  const listed = (await kopia(config, ['blob', 'list']))
    .split('\n')
    .map((line) => line.split(/\s+/)[0] ?? '')
    .filter((id) => id !== '');
  const ours: string[] = [];
  for await (const b of blobs.listBlobs('')) ours.push(b.id);
  expect(ours.sort()).toEqual(listed.sort());
  expect(ours).toContain('kopia.repository');
}

async function filesystemRepo(name: string, extra: string[] = []) {
  const root = join(dir, name);
  await mkdir(root, { recursive: true });
  const path = join(root, 'kopia', 'ns1');
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
  const store = new FilesystemObjectStore({ root });
  return { root, path, store, blobs: shardedBlobs(store, 'kopia/ns1/') };
}

describe('kopia → lifeboat', { timeout: 300_000 }, () => {
  it('opens a filesystem repository kopia created with Velero defaults (scrypt): the same keys, config and blobs', async () => {
    const repo = await filesystemRepo('fs-default');
    const format = await openRepositoryFormat(repo.blobs, PASSWORD);
    expectSameFormat(format, await oracleFormat(repo.path));
    await expectStatus('fs-default', format);
    await expectSameBlobs('fs-default', repo.blobs);
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
    const repo = await filesystemRepo('fs-pbkdf2', [
      '--format-block-key-derivation-algorithm=pbkdf2-sha256-600000',
      '--block-hash=HMAC-SHA256-128',
      '--encryption=CHACHA20-POLY1305-HMAC-SHA256',
      '--object-splitter=DYNAMIC-1M-BUZHASH',
    ]);
    const format = await openRepositoryFormat(repo.blobs, PASSWORD);
    expect(format.formatBlob.keyAlgo).toBe('pbkdf2-sha256-600000');
    expectSameFormat(format, await oracleFormat(repo.path));
    await expectStatus('fs-pbkdf2', format);
  });

  it('a wrong password fails clearly; so does an unknown required feature, which kopia refuses too', async () => {
    const repo = await filesystemRepo('fs-wrong');
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
    const kopiaErr = await kopia('feature', [
      'repository',
      'connect',
      'filesystem',
      '--path',
      path,
      ...cache('feature'),
    ]).catch((e: unknown) => e as { stderr: string });
    expect(String((kopiaErr as { stderr?: string }).stderr)).toContain("does not support feature 'index-v9'");
  });

  it('opens a repository kopia created on S3 (versitygw) under kopia/ns1/', async () => {
    const s3 = env.s3!;
    const bucket = await createS3Bucket(s3);
    await kopia('s3', [
      'repository',
      'create',
      's3',
      '--endpoint',
      new URL(s3.endpoint).host,
      '--disable-tls',
      '--bucket',
      bucket,
      '--prefix',
      'velero/kopia/ns1/',
      '--region',
      s3.region,
      '--access-key',
      s3.accessKeyId,
      '--secret-access-key',
      s3.secretAccessKey,
      '--no-persist-credentials',
      ...cache('s3'),
    ]);
    const store = await openObjectStore(await s3Location(bucket));
    try {
      const blobs = objectStoreBlobs(store, 'velero/kopia/ns1/');
      const format = await openRepositoryFormat(blobs, PASSWORD);
      await expectStatus('s3', format);
      await expectSameBlobs('s3', blobs);
      await expect(openRepositoryFormat(blobs, 'wrong')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      await store.close();
    }
  });

  it('opens a kopia repository on Azurite (kopia reaches Azure only over https: its blobs are copied there)', async () => {
    const repo = await filesystemRepo('azure-src');
    const container = `lifeboat-${randomBytes(5).toString('hex')}`;
    const { BlobServiceClient } = await import('@azure/storage-blob');
    await BlobServiceClient.fromConnectionString(env.azure!.connectionString)
      .getContainerClient(container)
      .create();
    const store = await openObjectStore(await azureLocation(container), { env: {} });
    try {
      const blobs = objectStoreBlobs(store, 'kopia/ns1/');
      for await (const b of repo.blobs.listBlobs(''))
        await blobs.putBlob(b.id, await repo.blobs.getBlob(b.id));
      const format = await openRepositoryFormat(blobs, PASSWORD);
      expectSameFormat(format, await oracleFormat(repo.path));
      const pack = (await collect(blobs, 'q'))[0];
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
    const created = await createRepositoryFormat(blobs, PASSWORD);
    const path = join(root, 'kopia', 'ns2');
    expect(await readFile(join(path, '.shards'), 'utf8')).toBe(
      '{"default":[1,3],"maxNonShardedLength":20}\n',
    );
    expectSameFormat(created, await oracleFormat(path));
    await kopia('ours', ['repository', 'connect', 'filesystem', '--path', path, ...cache('ours')]);
    await expectStatus('ours', created);
    const data = join(dir, 'data');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'a.txt'), randomBytes(100_000));
    await kopia('ours', ['snapshot', 'create', data]);
    await kopia('ours', ['snapshot', 'verify', '--verify-files-percent=100']);
    await expectSameBlobs('ours', blobs);
    expect((await readVeleroMarker(blobs))?.equals(created.uniqueId)).toBe(true);
    const reopened = await openRepositoryFormat(shardedBlobs(store, 'kopia/ns2/'), PASSWORD);
    expect(reopened.config).toEqual(created.config);
  });
});

async function collect(blobs: BlobStorage, prefix: string) {
  const out = [];
  for await (const b of blobs.listBlobs(prefix)) out.push(b);
  return out;
}

async function s3Location(bucket: string): Promise<Location> {
  const s3 = env.s3!;
  const credentialsFile = join(dir, `s3-credentials-${randomBytes(4).toString('hex')}`);
  await writeFile(
    credentialsFile,
    `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
    {
      mode: 0o600,
    },
  );
  return {
    name: 'it',
    provider: 'aws',
    objectStorage: { bucket },
    config: { region: s3.region, s3Url: s3.endpoint, s3ForcePathStyle: 'true' },
    credentialsFile,
    default: false,
    accessMode: 'ReadWrite',
  };
}

async function azureLocation(container: string): Promise<Location> {
  const azure = env.azure!;
  const credentialsFile = join(dir, `azure-${randomBytes(4).toString('hex')}`);
  await writeFile(credentialsFile, `AZURE_STORAGE_ACCOUNT_ACCESS_KEY="${azure.accountKey}"\n`, {
    mode: 0o600,
  });
  return {
    name: 'it',
    provider: 'azure',
    objectStorage: { bucket: container },
    config: {
      storageAccount: azure.accountName,
      storageAccountURI: azure.blobEndpoint,
      storageAccountKeyEnvVar: 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY',
    },
    credentialsFile,
    default: false,
    accessMode: 'ReadWrite',
  };
}
