import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { Location } from '../../model/index.ts';
import { StoreLayout } from '../../store/index.ts';
import { type BlobStorage, objectStoreBlobs, shardedBlobs } from '../../volumedata/index.ts';
// Not deps/index.ts: that would load the Kubernetes client and the archive code too, which a
// repository on a location never needs.
import { openLocation, type OpenedLocation } from '../deps/locations-open.ts';
import { repositoryPassword } from './password.ts';

/** A location opened for its kopia repositories (one per volume namespace, under kopia/<ns>/). */
export interface RepoLocation {
  readonly location: Location;
  /** The blob storage of a namespace's repository; `create` for a repository about to be made. */
  blobs(namespace: string, options?: { create?: boolean }): BlobStorage;
  /** The volume namespaces that have a repository folder, sorted. */
  namespaces(): Promise<string[]>;
  password(): Promise<string>;
  close(): Promise<void>;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A volume namespace (a Kubernetes namespace name), or a USAGE error. */
export function checkNamespace(namespace: string): string {
  if (namespace.length > 63 || !NAMESPACE.test(namespace))
    throw new LifeboatError('USAGE', `"${namespace}" is not a namespace name`, {
      hint: 'a volume namespace is a Kubernetes namespace: lower-case letters, digits and -, at most 63',
    });
  return namespace;
}

/** The named (or default) location from the config file, opened for its kopia repositories. */
export async function openRepoLocation(
  configPath: string | undefined,
  name: string | undefined,
  logger: Logger,
): Promise<RepoLocation> {
  return repoLocation(await openLocation(configPath, name, logger), logger);
}

/**
 * Velero's kopia repositories of an opened location: `kopia/<ns>/` under the location's prefix,
 * in kopia's sharded filesystem layout on a `filesystem` location (as kopia's filesystem backend
 * writes it) and as flat keys on S3 and Azure (as Velero's object-store backends write them).
 */
export function repoLocation(opened: OpenedLocation, logger: Logger | undefined): RepoLocation {
  const { location, store } = opened;
  const layout = new StoreLayout(location.objectStorage.prefix);
  let password: Promise<string> | undefined;
  return {
    location,
    blobs(namespace, options) {
      const prefix = layout.kopiaRepositoryPrefix(checkNamespace(namespace));
      return location.provider === 'filesystem'
        ? shardedBlobs(store, prefix, { create: options?.create === true })
        : objectStoreBlobs(store, prefix);
    },
    async namespaces() {
      const prefixes = await store.listCommonPrefixes(layout.kopiaPrefix());
      return layout.kopiaNamespaces(prefixes).sort();
    },
    password() {
      password ??= repositoryPassword(location, logger);
      return password;
    },
    close: () => opened.close(),
  };
}
