import { BlobServiceClient } from '@azure/storage-blob';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createS3Bucket } from '../helpers/locations.ts';

const env = inject('harness');
const main = resolve(import.meta.dirname, '../../src/main.ts');
let dir: string;
let config: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function lifeboat(...args: string[]): Promise<Run> {
  return lifeboatWith({}, ...args);
}

function lifeboatWith(extraEnv: Record<string, string>, ...args: string[]): Promise<Run> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    LIFEBOAT_CONFIG: config,
    ...extraEnv,
  };
  for (const key of Object.keys(childEnv)) if (/^(AWS_|AZURE_)/.test(key)) delete childEnv[key];
  return new Promise((done) => {
    execFile(
      process.execPath,
      [main, '--log-level', 'error', ...args],
      { env: childEnv, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        done({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-location-cli-'));
  config = join(dir, 'config.yaml');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function awsCredentials(secret: string): Promise<string> {
  const file = join(dir, `aws-${randomBytes(3).toString('hex')}.ini`);
  await writeFile(
    file,
    `[default]\naws_access_key_id = ${env.s3!.accessKeyId}\naws_secret_access_key = ${secret}\n`,
  );
  return file;
}

const newBucket = (): Promise<string> =>
  createS3Bucket(env.s3!, `lifeboat-cli-${randomBytes(4).toString('hex')}`);

const s3Config = () => `region=${env.s3!.region},s3Url=${env.s3!.endpoint},s3ForcePathStyle=true`;

describe('lifeboat location', () => {
  it('creates and checks an aws location against versitygw', async () => {
    const bucket = await newBucket();
    const credentials = await awsCredentials(env.s3!.secretAccessKey);
    const created = await lifeboat(
      'location',
      'create',
      's3',
      '--provider',
      'aws',
      '--bucket',
      bucket,
      '--prefix',
      'velero',
      '--provider-config',
      s3Config(),
      '--credentials-file',
      credentials,
      '--default',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const check = await lifeboat('location', 'check', 's3');
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/reachable\s+ok/);
    expect(check.stdout).toMatch(/writable\s+ok/);
    expect(check.stdout).toMatch(/velero-valid\s+ok/);
  });

  it('creates and checks an azure location against Azurite (account key in a dotenv file)', async () => {
    const azure = env.azure!;
    const container = `lifeboat-cli-${randomBytes(4).toString('hex')}`;
    await BlobServiceClient.fromConnectionString(azure.connectionString)
      .getContainerClient(container)
      .create();
    const dotenv = join(dir, 'azure.env');
    await writeFile(
      dotenv,
      `AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${azure.accountKey}\nAZURE_CLOUD_NAME=AzurePublicCloud\n`,
    );
    const azConfig = `storageAccount=${azure.accountName},storageAccountURI=${azure.blobEndpoint},storageAccountKeyEnvVar=AZURE_STORAGE_ACCOUNT_ACCESS_KEY`;
    const created = await lifeboat(
      'location',
      'create',
      'az',
      '--provider',
      'velero.io/azure',
      '--bucket',
      container,
      '--provider-config',
      azConfig,
      '--credentials-file',
      dotenv,
    );
    expect(created.code).toBe(0);
    const check = await lifeboat('location', 'check', 'az', '-o', 'json');
    expect(check.code).toBe(0);
    const result = JSON.parse(check.stdout) as { ok: boolean; writable: { ok: boolean } };
    expect(result).toMatchObject({ ok: true, writable: { ok: true } });
  });

  it('creates and checks a filesystem location, and flags a non-Velero top-level folder', async () => {
    const root = join(dir, 'fs-root');
    await mkdir(root);
    expect(
      (await lifeboat('location', 'create', 'local', '--provider', 'filesystem', '--bucket', root)).code,
    ).toBe(0);
    expect((await lifeboat('location', 'check', 'local')).code).toBe(0);
    await mkdir(join(root, 'junk'));
    await writeFile(join(root, 'junk', 'file'), 'x');
    const invalid = await lifeboat('location', 'check', 'local');
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/velero-valid\s+FAILED\s+invalid top-level directories: junk/);
    expect(invalid.stderr).toMatch(/hint: /);
  });

  it('fails the check with exit code 1 and a hint for a wrong secret, never printing it', async () => {
    const bucket = await newBucket();
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const credentials = await awsCredentials(wrong);
    expect(
      (
        await lifeboat(
          'location',
          'create',
          'bad',
          '--provider',
          'aws',
          '--bucket',
          bucket,
          '--provider-config',
          s3Config(),
          '--credentials-file',
          credentials,
        )
      ).code,
    ).toBe(0);
    const started = Date.now();
    const check = await lifeboat('location', 'check', 'bad');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/Error: location bad failed its check/);
    expect(check.stderr).toContain(`hint: check the access key and secret in ${credentials}`);
    expect(check.stdout + check.stderr).not.toContain(wrong);
  });

  it('prints locations as JSON that parses', async () => {
    const got = await lifeboat('location', 'get', '-o', 'json');
    expect(got.code).toBe(0);
    const locations = JSON.parse(got.stdout) as { name: string; provider: string; default: boolean }[];
    expect(locations.map((l) => l.name)).toEqual(expect.arrayContaining(['s3', 'az', 'local']));
    expect(locations.find((l) => l.name === 'az')?.provider).toBe('azure');
    expect(locations.find((l) => l.name === 's3')?.default).toBe(true);
    const yaml = await lifeboat('location', 'get', 's3', '-o', 'yaml');
    expect(yaml.stdout).toMatch(/^name: s3$/m);
  });

  it('exits 2 on a bad flag or value, and deletes only the config entry', async () => {
    expect(
      (await lifeboat('location', 'create', 'x', '--provider', 'aws', '--bucket', 'b', '--no-such-flag'))
        .code,
    ).toBe(2);
    expect((await lifeboat('location', 'create', 'x', '--provider', 'gcp', '--bucket', 'b')).code).toBe(2);
    expect(
      (await lifeboat('location', 'create', 'Bad_Name', '--provider', 'aws', '--bucket', 'b')).code,
    ).toBe(2);
    expect((await lifeboat('location', 'get', 'nope')).code).toBe(2);
    const deleted = await lifeboat('location', 'delete', 'local');
    expect(deleted.code).toBe(0);
    const names = (
      JSON.parse((await lifeboat('location', 'get', '-o', 'json')).stdout) as { name: string }[]
    ).map((l) => l.name);
    expect(names).not.toContain('local');
  });
});

describe('a filesystem location’s folder', () => {
  it('is made by location create on purpose; once gone (a volume not mounted) every command refuses it and nothing is recreated', async () => {
    const root = join(dir, `nfs-${randomBytes(3).toString('hex')}`, 'backups');
    const created = await lifeboat('location', 'create', 'mnt', '--provider', 'filesystem', '--bucket', root);
    expect(created.code, created.stderr).toBe(0);
    expect((await stat(root)).isDirectory()).toBe(true);
    expect((await lifeboat('location', 'check', 'mnt')).code).toBe(0);

    await rm(root, { recursive: true });
    const listed = await lifeboat('backup', 'get', '--storage-location', 'mnt');
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain(`the location's folder ${root} does not exist`);
    expect(listed.stderr).toMatch(/hint: is the volume mounted\? lifeboat location create makes the folder/);
    const check = await lifeboat('location', 'check', 'mnt');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('does not exist');
    await expect(stat(root)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await lifeboat('location', 'delete', 'mnt')).code).toBe(0);
  });

  it('of the embedded default location is made on first use on a fresh machine', async () => {
    const fresh = { LIFEBOAT_CONFIG: join(dir, 'no-such-config.yaml'), XDG_DATA_HOME: join(dir, 'xdg') };
    const check = await lifeboatWith(fresh, 'location', 'check');
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect((await stat(join(dir, 'xdg', 'lifeboat', 'backups'))).isDirectory()).toBe(true);
    expect((await lifeboatWith(fresh, 'backup', 'get')).code).toBe(0);
  });
});
