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
import { createS3Bucket } from '../helpers/locations.ts';

const env = inject('harness');
const s3 = env.s3!;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-s3-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const createBucket = (): Promise<string> => createS3Bucket(s3);

async function location(bucket: string, secret = s3.secretAccessKey, extra: Record<string, string> = {}) {
  const credentialsFile = join(dir, `credentials-${randomBytes(4).toString('hex')}`);
  await writeFile(
    credentialsFile,
    `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${secret}\n`,
    { mode: 0o600 },
  );
  const loc: Location = {
    name: 'it',
    provider: 'aws',
    objectStorage: { bucket },
    config: { region: s3.region, s3Url: s3.endpoint, s3ForcePathStyle: 'true', ...extra },
    credentialsFile,
    default: false,
    accessMode: 'ReadWrite',
  };
  return loc;
}

describeObjectStoreContract('s3 (versitygw)', async () => {
  const bucket = await createBucket();
  return { store: await openObjectStore(await location(bucket)), cleanup: async () => {} };
});

describe('s3 provider errors and options', () => {
  it('reports a wrong secret as UNAUTHENTICATED within seconds, with a hint and no secret', async () => {
    const bucket = await createBucket();
    const wrong = 'wrong-secret-value-123456';
    const loc = await location(bucket, wrong);
    const store = await openObjectStore(loc);
    const started = Date.now();
    const err = await store.listCommonPrefixes('').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(LifeboatError);
    const e = err as LifeboatError;
    expect(e.code).toBe('UNAUTHENTICATED');
    expect(e.hint).toContain(loc.credentialsFile);
    expect(e.message).toContain(bucket);
    expect(`${e.message} ${e.hint}`).not.toContain(wrong);
    expect(`${e.message} ${e.hint}`).not.toContain(s3.secretAccessKey);
    expect(e.details).toMatchObject({ transient: false });
    await store.close();
  });

  it('reports a missing bucket as NOT_FOUND with a hint', async () => {
    const store = await openObjectStore(await location(`lifeboat-missing-${randomBytes(4).toString('hex')}`));
    const err = (await store.put('backups/x', 'x').catch((e: unknown) => e)) as LifeboatError;
    expect(err.code).toBe('NOT_FOUND');
    expect(err.hint).toMatch(/create the bucket/);
    const listErr = (await store.listCommonPrefixes('').catch((e: unknown) => e)) as LifeboatError;
    expect(listErr.code).toBe('NOT_FOUND');
    await store.close();
  });

  it('reports a closed port as UNREACHABLE within seconds', async () => {
    const port = await closedPort();
    const loc = await location('any-bucket', s3.secretAccessKey, { s3Url: `http://127.0.0.1:${port}` });
    const store = await openObjectStore(loc, { retry: { maxAttempts: 1 } });
    const started = Date.now();
    const err = (await store.listCommonPrefixes('').catch((e: unknown) => e)) as LifeboatError;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.code).toBe('UNREACHABLE');
    expect(err.details).toMatchObject({ transient: true });
    expect(err.hint).toMatch(/endpoint up/);
    await store.close();
  });

  it('writes without checksums when checksumAlgorithm is empty', async () => {
    const bucket = await createBucket();
    const store = await openObjectStore(
      await location(bucket, s3.secretAccessKey, { checksumAlgorithm: '' }),
    );
    await store.put('backups/plain', 'no checksum');
    expect(await store.head('backups/plain')).toMatchObject({ size: 11 });
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
