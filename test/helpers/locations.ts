import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { HarnessEnv } from '../harness/harness.ts';
import type { AzureEnv, S3Env } from '../harness/object-stores.ts';
import type { Location } from '../../src/model/index.ts';

/** Creates a bucket on the harness S3 server (path-style, its root credentials). */
export async function createS3Bucket(
  s3: S3Env,
  bucket = `lifeboat-${randomBytes(5).toString('hex')}`,
): Promise<string> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}

/** The harness S3 server's root credentials as an AWS credentials file (Velero's `cloud` file) at path. */
export async function writeS3Credentials(path: string, s3: S3Env): Promise<string> {
  await writeFile(
    path,
    `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  return path;
}

/** A lifeboat location for a bucket of the harness S3 server; its credentials file is written in dir. */
export async function s3Location(dir: string, s3: S3Env, bucket: string): Promise<Location> {
  const credentialsFile = await writeS3Credentials(
    join(dir, `s3-credentials-${randomBytes(4).toString('hex')}`),
    s3,
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

/** A lifeboat location for a container of the harness Azurite; its credentials file is written in dir. */
export async function azureLocation(dir: string, azure: AzureEnv, container: string): Promise<Location> {
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

export interface LocationsFixture {
  dir: string;
  /** Config file with locations "fs" (default), "s3" (versitygw) and "azure" (Azurite). */
  configPath: string;
  fsRoot: string;
  bucket: string;
  container: string;
  /** Environment for the CLI: this config, no stray cloud credentials. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Writes a config file whose one (default) location "fs" is a filesystem location at root (made here). */
export async function writeFilesystemConfig(path: string, root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  await writeFile(
    path,
    stringify({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'Config',
      locations: [{ name: 'fs', provider: 'filesystem', objectStorage: { bucket: root }, default: true }],
    }),
  );
}

/** A temp config with one location per provider, Velero BSL field names, credentials files in Velero's formats. */
export async function createLocations(harness: HarnessEnv): Promise<LocationsFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-'));
  const suffix = randomBytes(4).toString('hex');
  const bucket = `lifeboat-e2e-${suffix}`;
  const container = `lifeboat-e2e-${suffix}`;
  const s3 = harness.s3!;
  await createS3Bucket(s3, bucket);
  await BlobServiceClient.fromConnectionString(harness.azure!.connectionString)
    .getContainerClient(container)
    .create();

  const awsCreds = await writeS3Credentials(join(dir, 'aws-credentials'), s3);
  const azureCreds = join(dir, 'azure-credentials');
  await writeFile(
    azureCreds,
    `AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${harness.azure!.accountKey}\nAZURE_CLOUD_NAME=AzurePublicCloud\n`,
    { mode: 0o600 },
  );
  const fsRoot = join(dir, 'fs-location');
  await mkdir(fsRoot);
  const configPath = join(dir, 'config.yaml');
  await writeFile(
    configPath,
    stringify({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'Config',
      locations: [
        { name: 'fs', provider: 'filesystem', objectStorage: { bucket: fsRoot }, default: true },
        {
          name: 's3',
          provider: 'aws',
          objectStorage: { bucket, prefix: 'cluster-a' },
          config: { region: s3.region, s3Url: s3.endpoint, s3ForcePathStyle: 'true' },
          credentialsFile: awsCreds,
        },
        {
          name: 'azure',
          provider: 'azure',
          objectStorage: { bucket: container },
          config: {
            storageAccount: harness.azure!.accountName,
            storageAccountURI: harness.azure!.blobEndpoint,
            storageAccountKeyEnvVar: 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY',
          },
          credentialsFile: azureCreds,
        },
      ],
    }),
  );
  return {
    dir,
    configPath,
    fsRoot,
    bucket,
    container,
    env: {
      LIFEBOAT_CONFIG: configPath,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AZURE_STORAGE_CONNECTION_STRING: '',
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
