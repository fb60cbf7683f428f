import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { LifeboatError, Secret } from '../errors/index.ts';
import { type Location, own } from '../model/index.ts';
import { awsProfile, parseDotenv, readCredentialsFile } from './credentials.ts';
import type { AzureStoreOptions } from './providers/azure/azure-store.ts';
import type { FilesystemStoreOptions } from './providers/filesystem/filesystem-store.ts';
import type { S3StoreOptions } from './providers/s3/s3-store.ts';

type Env = Record<string, string | undefined>;

/**
 * Filesystem: the bucket is the root folder ("~" expanded, made absolute). A missing root is an
 * error (an unmounted volume must not fill the local disk) unless `createRoot`: lifeboat's own folder.
 */
export function filesystemOptions(location: Location, createRoot = false): FilesystemStoreOptions {
  return { root: expandHome(location.objectStorage.bucket), create: createRoot };
}

export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(path);
}

/** S3 options from Velero's AWS plugin config keys (spec §6.3) and the credentials. */
export async function s3Options(location: Location, env: Env): Promise<S3StoreOptions> {
  const c = location.config;
  const options: S3StoreOptions = {
    bucket: location.objectStorage.bucket.replace(/^\/+|\/+$/g, ''),
    region: nonEmpty(c['region']) ?? 'us-east-1',
    endpoint: nonEmpty(c['s3Url']),
    forcePathStyle: booleanConfig(location, 's3ForcePathStyle'),
    insecureSkipTLSVerify: booleanConfig(location, 'insecureSkipTLSVerify'),
    caBundle: caBundle(location.objectStorage.caCert),
    checksumAlgorithm: c['checksumAlgorithm'] ?? 'CRC32',
  };
  if (location.credentialsFile !== undefined) {
    const text = await readCredentialsFile(location.credentialsFile);
    options.credentials = awsProfile(text, nonEmpty(c['profile']) ?? 'default', location.credentialsFile);
    options.credentialsSource = location.credentialsFile;
  } else if (nonEmpty(env['AWS_ACCESS_KEY_ID']) !== undefined && env['AWS_SECRET_ACCESS_KEY'] !== undefined) {
    options.credentials = {
      accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? '',
      secretAccessKey: new Secret(env['AWS_SECRET_ACCESS_KEY'] ?? ''),
      ...(nonEmpty(env['AWS_SESSION_TOKEN']) !== undefined
        ? { sessionToken: new Secret(env['AWS_SESSION_TOKEN'] ?? '') }
        : {}),
    };
    options.credentialsSource = 'the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)';
  } else {
    options.credentialsSource =
      'the AWS default credential chain (~/.aws/credentials, environment, instance role)';
  }
  return options;
}

/**
 * Azure options from Velero's Azure plugin config keys: storageAccount, storageAccountURI,
 * storageAccountKeyEnvVar, blockSizeInBytes; secrets from the dotenv credentials file or the environment.
 */
export async function azureOptions(location: Location, env: Env): Promise<AzureStoreOptions> {
  const c = location.config;
  if (c['useAAD'] === 'true') {
    throw new LifeboatError(
      'UNSUPPORTED',
      `location ${location.name}: Azure AD (useAAD) is not supported yet`,
      {
        hint: 'use a storage account key (storageAccountKeyEnvVar) or a connection string',
      },
    );
  }
  const file = location.credentialsFile;
  const dotenv =
    file === undefined ? new Map<string, Secret>() : parseDotenv(await readCredentialsFile(file));
  const lookup = (name: string): Secret | undefined => {
    const fromFile = dotenv.get(name);
    if (fromFile !== undefined && fromFile.reveal() !== '') return fromFile;
    const value = own(env, name);
    return value === undefined || value === '' ? undefined : new Secret(value);
  };
  const options: AzureStoreOptions = {
    container: location.objectStorage.bucket.replace(/^\/+|\/+$/g, ''),
    blockSizeInBytes: integerConfig(location, 'blockSizeInBytes'),
    credentialsSource: file ?? 'the environment',
  };
  const account = nonEmpty(c['storageAccount']);
  const uri = nonEmpty(c['storageAccountURI']);
  const serviceUrl = uri ?? (account === undefined ? undefined : `https://${account}.blob.core.windows.net`);
  const keyName = nonEmpty(c['storageAccountKeyEnvVar']) ?? 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY';
  const key = lookup(keyName);
  const connectionString = lookup('AZURE_STORAGE_CONNECTION_STRING');
  const sas = lookup('AZURE_STORAGE_SAS_TOKEN');
  if (serviceUrl !== undefined && key !== undefined) {
    return { ...options, serviceUrl, accountName: account, accountKey: key };
  }
  if (connectionString !== undefined) return { ...options, connectionString };
  if (serviceUrl !== undefined && sas !== undefined) return { ...options, serviceUrl, sasToken: sas };
  throw new LifeboatError('CONFIG', `location ${location.name}: no Azure credentials found`, {
    hint:
      serviceUrl === undefined
        ? 'set config storageAccount=<name> (or storageAccountURI) and put the account key in the credentials file, or set AZURE_STORAGE_CONNECTION_STRING'
        : `put ${keyName}=<account key> (or AZURE_STORAGE_CONNECTION_STRING / AZURE_STORAGE_SAS_TOKEN) in the credentials file ${file ?? '(none given: use --credentials-file)'}`,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function booleanConfig(location: Location, key: string): boolean {
  const value = location.config[key];
  if (value === undefined || value === '') return false;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new LifeboatError(
    'CONFIG',
    `location ${location.name}: config ${key}="${value}" is not true or false`,
    {
      hint: `set ${key}=true or ${key}=false`,
    },
  );
}

function integerConfig(location: Location, key: string): number | undefined {
  const value = location.config[key];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) {
    throw new LifeboatError('CONFIG', `location ${location.name}: config ${key}="${value}" is not a number`, {
      hint: `give ${key} in bytes, e.g. ${key}=4194304`,
    });
  }
  return Number(value);
}

/** Velero's caCert is a base64-encoded PEM bundle; a plain PEM is accepted too. */
function caBundle(caCert: string | undefined): string | undefined {
  if (caCert === undefined || caCert === '') return undefined;
  if (caCert.includes('-----BEGIN')) return caCert;
  const pem = Buffer.from(caCert, 'base64').toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new LifeboatError('CONFIG', 'the location caCert is not a base64-encoded PEM certificate bundle', {
      hint: 'give the CA file with --cacert FILE',
    });
  }
  return pem;
}
