import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Location } from '../model/index.ts';
import { azureOptions, filesystemOptions, s3Options } from './provider-options.ts';
import { openObjectStore } from './registry.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-provider-options-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const loc = (provider: Location['provider'], extra: Partial<Location> = {}): Location => ({
  name: 'l',
  provider,
  objectStorage: { bucket: 'b' },
  config: {},
  default: false,
  accessMode: 'ReadWrite',
  ...extra,
});

describe('S3 options', () => {
  it('maps Velero config keys and reads the named profile of the credentials file', async () => {
    const file = join(dir, 'aws');
    await writeFile(
      file,
      '[default]\naws_access_key_id=A\naws_secret_access_key=S\n[backup]\naws_access_key_id=B\naws_secret_access_key=T\n',
    );
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const options = await s3Options(
      loc('aws', {
        objectStorage: { bucket: '/b/', caCert: Buffer.from(pem).toString('base64') },
        config: {
          region: 'eu-west-1',
          s3Url: 'https://minio:9000',
          s3ForcePathStyle: 'true',
          profile: 'backup',
          checksumAlgorithm: '',
        },
        credentialsFile: file,
      }),
      {},
    );
    expect(options).toMatchObject({
      bucket: 'b',
      region: 'eu-west-1',
      endpoint: 'https://minio:9000',
      forcePathStyle: true,
      insecureSkipTLSVerify: false,
      caBundle: pem,
      checksumAlgorithm: '',
      credentialsSource: file,
    });
    expect(options.credentials?.accessKeyId).toBe('B');
    expect(options.credentials?.secretAccessKey.reveal()).toBe('T');
  });

  it('defaults region and checksum, falls back to environment credentials', async () => {
    const options = await s3Options(loc('aws'), { AWS_ACCESS_KEY_ID: 'E', AWS_SECRET_ACCESS_KEY: 'F' });
    expect(options).toMatchObject({ region: 'us-east-1', checksumAlgorithm: 'CRC32', forcePathStyle: false });
    expect(options.credentials?.accessKeyId).toBe('E');
    expect(options.credentialsSource).toMatch(/environment/);
  });

  it('rejects a bad boolean and a missing credentials file with CONFIG errors', async () => {
    await expect(s3Options(loc('aws', { config: { s3ForcePathStyle: 'yes' } }), {})).rejects.toMatchObject({
      code: 'CONFIG',
    });
    await expect(s3Options(loc('aws', { credentialsFile: join(dir, 'none') }), {})).rejects.toMatchObject({
      code: 'CONFIG',
    });
  });
});

describe('Azure options', () => {
  it('uses the account key named by storageAccountKeyEnvVar from the dotenv file', async () => {
    const file = join(dir, 'azure');
    await writeFile(file, 'MY_KEY=a2V5\n');
    const options = await azureOptions(
      loc('azure', {
        config: { storageAccount: 'acct', storageAccountKeyEnvVar: 'MY_KEY', blockSizeInBytes: '1048576' },
        credentialsFile: file,
      }),
      {},
    );
    expect(options).toMatchObject({
      container: 'b',
      serviceUrl: 'https://acct.blob.core.windows.net',
      accountName: 'acct',
      blockSizeInBytes: 1048576,
    });
    expect(options.accountKey?.reveal()).toBe('a2V5');
  });

  it('falls back to a connection string or a SAS token, and explains what is missing', async () => {
    const cs = await azureOptions(loc('azure'), {
      AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    });
    expect(cs.connectionString?.reveal()).toBe('UseDevelopmentStorage=true');
    const sas = await azureOptions(
      loc('azure', { config: { storageAccountURI: 'https://x.blob.core.windows.net' } }),
      { AZURE_STORAGE_SAS_TOKEN: 'sv=1&sig=2' },
    );
    expect(sas.sasToken?.reveal()).toBe('sv=1&sig=2');
    await expect(
      azureOptions(loc('azure', { config: { storageAccount: 'acct' } }), {}),
    ).rejects.toMatchObject({
      code: 'CONFIG',
      hint: expect.stringContaining('AZURE_STORAGE_ACCOUNT_ACCESS_KEY') as unknown,
    });
    await expect(azureOptions(loc('azure', { config: { useAAD: 'true' } }), {})).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
  });
});

describe('openObjectStore', () => {
  it('opens a filesystem location whose folder is missing only to refuse it', async () => {
    const root = join(dir, 'fs', 'unmounted');
    const location = loc('filesystem', { objectStorage: { bucket: root } });
    expect(filesystemOptions(location)).toEqual({ root, create: false });
    const store = await openObjectStore(location, { retry: { maxAttempts: 1 } });
    await expect(store.listCommonPrefixes('')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.put('backups/x', 'y')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(stat(root)).rejects.toMatchObject({ code: 'ENOENT' });
    await store.close();
  });

  it('creates the folder on first write when asked (lifeboat’s own folder)', async () => {
    const root = join(dir, 'fs', 'nested');
    const store = await openObjectStore(loc('filesystem', { objectStorage: { bucket: root } }), {
      createRoot: true,
    });
    expect(await store.listCommonPrefixes('')).toEqual([]);
    await store.put('backups/x', 'y');
    expect(await store.head('backups/x')).toMatchObject({ size: 1 });
    expect(store.description).toBe(`file://${root}`);
    await store.close();
  });
});

describe('provider options with names of Object.prototype members', () => {
  it('finds no Azure key in an inherited environment member (storageAccountKeyEnvVar=constructor)', async () => {
    const location = loc('azure', {
      config: { storageAccount: 'acct', storageAccountKeyEnvVar: 'constructor' },
    });
    await expect(azureOptions(location, {})).rejects.toThrow(/no Azure credentials found/);
  });
});
