import { LifeboatError } from '../errors/index.ts';

/**
 * Entry names inside a backup tarball (spec/velero-format.md §2.2, constants of
 * pkg/apis/velero/v1/constants.go). Object names are kept verbatim (e.g. `system:controller:x`).
 */

export const METADATA_VERSION_PATH = 'metadata/version';
export const RESOURCES_DIR = 'resources';
export const CLUSTER_SCOPED_DIR = 'cluster';
export const NAMESPACE_SCOPED_DIR = 'namespaces';
export const PREFERRED_VERSION_SUFFIX = '-preferredversion';

/** schema.GroupResource.String(): `pods` for the core group, `deployments.apps` otherwise. */
export function groupResourceString(group: string, resource: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/** Key of the resource list (`<groupVersion>/<Kind>`): `v1/Pod`, `apps/v1/Deployment`. */
export function resourceListKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

export interface ItemLocation {
  /** `pods`, `deployments.apps` (see groupResourceString). */
  groupResource: string;
  /** Absent or empty for cluster-scoped objects. */
  namespace?: string;
  name: string;
  /** Version of the stored object (`v1`, `v1beta1`). */
  version: string;
  /** The version the API server prefers for this group. */
  preferredVersion: string;
}

/**
 * Every tar path Velero writes for one item: the classic path plus the `<v>-preferredversion` twin when
 * the item is in the preferred version, or only `resources/<gr>/<v>/...` for a non-preferred version.
 */
export function itemPaths(item: ItemLocation): string[] {
  checkSegment('resource', item.groupResource, item);
  checkSegment('name', item.name, item);
  checkSegment('version', item.version, item);
  if (item.namespace) checkSegment('namespace', item.namespace, item);
  const scope = item.namespace
    ? `${NAMESPACE_SCOPED_DIR}/${item.namespace}/${item.name}.json`
    : `${CLUSTER_SCOPED_DIR}/${item.name}.json`;
  const base = `${RESOURCES_DIR}/${item.groupResource}`;
  if (item.version === item.preferredVersion) {
    return [`${base}/${scope}`, `${base}/${item.version}${PREFERRED_VERSION_SUFFIX}/${scope}`];
  }
  return [`${base}/${item.version}/${scope}`];
}

/** Kubernetes never serves such names; refusing them keeps every entry inside `resources/`. */
function checkSegment(what: string, segment: string, item: ItemLocation): void {
  if (
    segment === '' ||
    segment === '.' ||
    segment === '..' ||
    segment.includes('/') ||
    segment.includes('\0')
  ) {
    const where = item.namespace ? `${item.namespace}/${item.name}` : item.name;
    throw new LifeboatError(
      'UNSUPPORTED',
      `cannot store ${item.groupResource} ${JSON.stringify(where)}: its ${what} ${JSON.stringify(segment)} is not a valid path segment`,
      {
        hint: 'Exclude this object from the backup; the API server returned a name Kubernetes does not allow.',
      },
    );
  }
}

export type ParsedArchivePath =
  | { kind: 'version' }
  | { kind: 'item'; groupResource: string; versionDir?: string; namespace?: string; name: string }
  | { kind: 'other' };

/**
 * Classifies an entry name. Items are `resources/<gr>/[<versionDir>/](cluster/<name>|namespaces/<ns>/<name>).json`;
 * anything else (including non-.json files) is `other`, which Velero ignores too.
 */
export function parseArchivePath(path: string): ParsedArchivePath {
  if (path === METADATA_VERSION_PATH) return { kind: 'version' };
  const parts = path.split('/');
  if (parts[0] !== RESOURCES_DIR || parts.some((p) => p === '')) return { kind: 'other' };
  const groupResource = parts[1] ?? '';
  const rest = parts.slice(2);
  // A classic namespaced path has the same depth as a versioned cluster path: `namespaces/<ns>/x.json`
  // vs `<v>/cluster/x.json`. A version directory is never called `namespaces`, so test the classic form first.
  if (rest[0] === NAMESPACE_SCOPED_DIR && rest.length === 3) {
    return item(groupResource, undefined, rest[1], rest[2]);
  }
  if (rest[0] === CLUSTER_SCOPED_DIR && rest.length === 2) {
    return item(groupResource, undefined, undefined, rest[1]);
  }
  const [versionDir, scope] = rest;
  if (versionDir === undefined || versionDir === NAMESPACE_SCOPED_DIR || versionDir === CLUSTER_SCOPED_DIR) {
    return { kind: 'other' };
  }
  if (scope === NAMESPACE_SCOPED_DIR && rest.length === 4)
    return item(groupResource, versionDir, rest[2], rest[3]);
  if (scope === CLUSTER_SCOPED_DIR && rest.length === 3)
    return item(groupResource, versionDir, undefined, rest[2]);
  return { kind: 'other' };
}

function item(
  groupResource: string,
  versionDir: string | undefined,
  namespace: string | undefined,
  file: string | undefined,
): ParsedArchivePath {
  if (file === undefined || !file.endsWith('.json') || file.length === '.json'.length)
    return { kind: 'other' };
  const parsed: ParsedArchivePath = { kind: 'item', groupResource, name: file.slice(0, -'.json'.length) };
  if (versionDir !== undefined) parsed.versionDir = versionDir;
  if (namespace !== undefined) parsed.namespace = namespace;
  return parsed;
}
