import type { Logger } from '../log/index.ts';
import type { Location } from '../model/index.ts';
import type { ObjectStore } from './object-store.ts';
import { azureOptions, filesystemOptions, s3Options } from './provider-options.ts';
import { FilesystemObjectStore } from './providers/filesystem/filesystem-store.ts';
import { RetryingObjectStore, type RetryOptions } from './retrying-store.ts';

export interface OpenStoreOptions {
  logger?: Logger;
  /** Retry policy for transient failures (default: 5 attempts, 200 ms base, 5 s cap). */
  retry?: Omit<RetryOptions, 'logger'>;
  /** Environment to read credentials from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Filesystem: make the root folder on the first write (lifeboat's own folder only; default false). */
  createRoot?: boolean;
}

/** Builds the provider a location names, wrapped in retries of transient failures. */
export async function openObjectStore(
  location: Location,
  options: OpenStoreOptions = {},
): Promise<ObjectStore> {
  const env = options.env ?? process.env;
  const store = await openProvider(location, env, options.retry?.maxAttempts, options.createRoot);
  options.logger?.debug({ location: location.name, store: store.description }, 'opened object store');
  return new RetryingObjectStore(store, { ...options.retry, logger: options.logger });
}

async function openProvider(
  location: Location,
  env: Record<string, string | undefined>,
  maxAttempts: number | undefined,
  createRoot = false,
): Promise<ObjectStore> {
  // With retries capped to one attempt, the SDKs must not retry on their own either.
  const sdkAttempts = maxAttempts === 1 ? 1 : undefined;
  switch (location.provider) {
    case 'filesystem':
      return new FilesystemObjectStore(filesystemOptions(location, createRoot));
    // The cloud SDKs are large: load them only for a location that uses them.
    case 'aws': {
      const { S3ObjectStore } = await import('./providers/s3/s3-store.ts');
      return new S3ObjectStore({ ...(await s3Options(location, env)), maxAttempts: sdkAttempts });
    }
    case 'azure': {
      const { AzureObjectStore } = await import('./providers/azure/azure-store.ts');
      return new AzureObjectStore({ ...(await azureOptions(location, env)), maxTries: sdkAttempts });
    }
  }
}
