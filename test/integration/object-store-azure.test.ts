import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LifeboatError } from '../../src/errors/index.ts';
import type { Location } from '../../src/model/location.ts';
import { describeObjectStoreContract } from '../../src/store/object-store.contract.ts';
import { openObjectStore } from '../../src/store/registry.ts';

const env = inject('harness');
const azure = env.azure!;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-azure-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function createContainer(): Promise<string> {
  const name = `lifeboat-${randomBytes(5).toString('hex')}`;
  await BlobServiceClient.fromConnectionString(azure.connectionString).getContainerClient(name).create();
  return name;
}

async function location(
  container: string,
  key = azure.accountKey,
  uri = azure.blobEndpoint,
): Promise<Location> {
  const credentialsFile = join(dir, `cloud-${randomBytes(4).toString('hex')}`);
  await writeFile(
    credentialsFile,
    `# Velero azure credentials\nAZURE_STORAGE_ACCOUNT_ACCESS_KEY="${key}"\n`,
    {
      mode: 0o600,
    },
  );
  return {
    name: 'it',
    provider: 'azure',
    objectStorage: { bucket: container },
    config: {
      storageAccount: azure.accountName,
      storageAccountURI: uri,
      storageAccountKeyEnvVar: 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY',
      blockSizeInBytes: String(2 * 1024 * 1024),
    },
    credentialsFile,
    default: false,
    accessMode: 'ReadWrite',
  };
}

describeObjectStoreContract('azure (Azurite)', async () => {
  const container = await createContainer();
  return { store: await openObjectStore(await location(container), { env: {} }), cleanup: async () => {} };
});

describe('azure provider errors and auth modes', () => {
  it('reports a wrong account key as UNAUTHENTICATED within seconds, with a hint and no key', async () => {
    const container = await createContainer();
    const wrong = Buffer.from('definitely-not-the-account-key-0123456789').toString('base64');
    const loc = await location(container, wrong);
    const store = await openObjectStore(loc, { env: {} });
    const started = Date.now();
    const err = (await store.listCommonPrefixes('').catch((e: unknown) => e)) as LifeboatError;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(LifeboatError);
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.hint).toContain(loc.credentialsFile);
    expect(`${err.message} ${err.hint}`).not.toContain(wrong);
    expect(`${err.message} ${err.hint}`).not.toContain(azure.accountKey);
    await store.close();
  });

  it('reports a missing container as NOT_FOUND with a hint', async () => {
    const store = await openObjectStore(await location(`missing-${randomBytes(4).toString('hex')}`), {
      env: {},
    });
    const err = (await store.put('backups/x', 'x').catch((e: unknown) => e)) as LifeboatError;
    expect(err.code).toBe('NOT_FOUND');
    expect(err.hint).toMatch(/create the container/);
    const listErr = (await store.listCommonPrefixes('').catch((e: unknown) => e)) as LifeboatError;
    expect(listErr.code).toBe('NOT_FOUND');
    await store.close();
  });

  it('reports a closed port as UNREACHABLE within seconds', async () => {
    const port = await closedPort();
    const loc = await location('any', azure.accountKey, `http://127.0.0.1:${port}/${azure.accountName}`);
    const store = await openObjectStore(loc, { env: {}, retry: { maxAttempts: 1 } });
    const started = Date.now();
    const err = (await store.listCommonPrefixes('').catch((e: unknown) => e)) as LifeboatError;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.code).toBe('UNREACHABLE');
    expect(err.details).toMatchObject({ transient: true });
    await store.close();
  });

  it('authenticates with a connection string from the environment', async () => {
    const container = await createContainer();
    const loc: Location = {
      name: 'cs',
      provider: 'azure',
      objectStorage: { bucket: container },
      config: {},
      default: false,
      accessMode: 'ReadWrite',
    };
    const store = await openObjectStore(loc, {
      env: { AZURE_STORAGE_CONNECTION_STRING: azure.connectionString },
    });
    await store.put('backups/cs', 'ok');
    expect(await store.head('backups/cs')).toMatchObject({ size: 2 });
    expect(store.description).not.toContain(azure.accountKey);
    await store.close();
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 1;
}
