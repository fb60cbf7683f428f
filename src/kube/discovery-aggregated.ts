/**
 * Aggregated discovery (apidiscovery.k8s.io v2, and v2beta1 of Kubernetes 1.26–1.29): `/api` and
 * `/apis` each answer with every group, version and resource in one APIGroupDiscoveryList, instead of
 * one request per group version. This module reads those documents into the same ApiResource[] the
 * classic walk builds; discovery.ts decides which of the two paths a server gets.
 */
import { LifeboatError } from '../errors/index.ts';
import type { ApiResource, DiscoveredResources, FailedGroupVersion } from './api-resource.ts';

/** The Accept header asking for aggregated discovery, v2 first, with plain JSON for older servers. */
export const AGGREGATED_DISCOVERY_ACCEPT = [
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
  'application/json',
].join(',');

const AGGREGATED_API_VERSIONS = ['apidiscovery.k8s.io/v2', 'apidiscovery.k8s.io/v2beta1'];

/** What a version whose discovery the API server could not refresh (freshness "Stale") reports. */
export const STALE_GROUP_VERSION_ERROR =
  'discovery of this group version is stale: the API server could not refresh it (is its API service available?)';

/** Whether a parsed `/api` or `/apis` body is an aggregated document (older servers send APIVersions / APIGroupList). */
export function isAggregatedDiscovery(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { kind, apiVersion } = body as { kind?: unknown; apiVersion?: unknown };
  return (
    kind === 'APIGroupDiscoveryList' &&
    typeof apiVersion === 'string' &&
    AGGREGATED_API_VERSIONS.includes(apiVersion)
  );
}

/**
 * Where a document is not what apidiscovery's APIGroupDiscoveryList says (k8s.io/api apidiscovery/v2
 * types.go; v2beta1 has the same shape): a path into it and what was expected there, never the value.
 */
class InvalidDocument extends Error {
  readonly path: readonly (string | number)[];
  constructor(path: readonly (string | number)[], message: string) {
    super(message);
    this.path = path;
  }
}

type Fields = Readonly<Record<string, unknown>>;

/**
 * The fields lifeboat reads of a document, each checked as it is read: only what is used is checked
 * (a subresource or a category is never looked at), and nothing is built but the ApiResources. A zod
 * schema of the same fields, used once per CLI run, cost ~20 ms more CPU than this (building and
 * compiling its parsers, and copying every subresource), measured on a 170-resource document.
 */
function fields(value: unknown, path: readonly (string | number)[]): Fields {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Fields;
  throw new InvalidDocument(path, `expected an object, found ${describe(value)}`);
}

function list(value: unknown, path: readonly (string | number)[]): readonly unknown[] {
  if (Array.isArray(value)) return value;
  throw new InvalidDocument(path, `expected an array, found ${describe(value)}`);
}

function optionalList(o: Fields, key: string, path: readonly (string | number)[]): readonly unknown[] {
  return o[key] === undefined ? [] : list(o[key], [...path, key]);
}

function text(o: Fields, key: string, path: readonly (string | number)[]): string {
  const value = o[key];
  if (typeof value === 'string') return value;
  throw new InvalidDocument([...path, key], `expected a string, found ${describe(value)}`);
}

function optionalText(o: Fields, key: string, path: readonly (string | number)[]): string | undefined {
  return o[key] === undefined ? undefined : text(o, key, path);
}

function texts(value: unknown, path: readonly (string | number)[]): string[] {
  const values = list(value, path);
  values.forEach((v, i) => {
    if (typeof v !== 'string')
      throw new InvalidDocument([...path, i], `expected a string, found ${describe(v)}`);
  });
  return values as string[];
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** The items of an aggregated document, once its kind and apiVersion are checked. */
function documentItems(body: unknown): readonly unknown[] {
  const doc = fields(body, []);
  if (doc['kind'] !== 'APIGroupDiscoveryList')
    throw new InvalidDocument(['kind'], 'expected "APIGroupDiscoveryList"');
  const apiVersion = doc['apiVersion'];
  if (typeof apiVersion !== 'string' || !AGGREGATED_API_VERSIONS.includes(apiVersion))
    throw new InvalidDocument(['apiVersion'], `expected one of ${AGGREGATED_API_VERSIONS.join(', ')}`);
  return list(doc['items'], ['items']);
}

function invalid(err: unknown, path: string): unknown {
  if (!(err instanceof InvalidDocument)) return err;
  const where = err.path.length === 0 ? '' : ` at ${err.path.join('.')}`;
  return new LifeboatError(
    'OPERATION_FAILED',
    `the API server's aggregated discovery document for ${path} is not valid${where}: ${err.message}`,
  );
}

/**
 * The served resources of aggregated `/api` (core) and `/apis` documents, in the classic walk's order
 * and shape: the core group first, then the groups as `/apis` lists them; each resource at the first
 * version (in the group's order of preference) that serves it, with every version that serves it. A
 * stale group version is reported in failedGroups and contributes nothing, as a failed request of
 * the classic walk does.
 */
export function resourcesFromAggregated(core: unknown, groups: unknown): DiscoveredResources {
  const failedGroups: FailedGroupVersion[] = [];
  const resources: ApiResource[] = [];
  const read = (body: unknown, path: string, coreOnly: boolean) => {
    try {
      documentItems(body).forEach((item, i) => {
        const group = fields(item, ['items', i]);
        const name = groupName(group, ['items', i]);
        if (coreOnly && name !== '') return;
        resources.push(...groupResources(name, group, ['items', i], failedGroups));
      });
    } catch (err) {
      throw invalid(err, path);
    }
  };
  read(core, '/api', true);
  read(groups, '/apis', false);
  return { resources, failedGroups };
}

function groupName(group: Fields, path: readonly (string | number)[]): string {
  if (group['metadata'] === undefined) return '';
  return optionalText(fields(group['metadata'], [...path, 'metadata']), 'name', [...path, 'metadata']) ?? '';
}

function groupResources(
  name: string,
  group: Fields,
  path: readonly (string | number)[],
  failedGroups: FailedGroupVersion[],
): ApiResource[] {
  const found = new Map<string, ApiResource>();
  optionalList(group, 'versions', path).forEach((item, i) => {
    const at = [...path, 'versions', i];
    const v = fields(item, at);
    const version = text(v, 'version', at);
    const apiVersion = name === '' ? version : `${name}/${version}`;
    // "Current" or "Stale"; absent means current.
    if (optionalText(v, 'freshness', at) === 'Stale') {
      failedGroups.push({ groupVersion: apiVersion, error: STALE_GROUP_VERSION_ERROR });
      return;
    }
    optionalList(v, 'resources', at).forEach((r, j) => {
      const resource = readResource(r, [...at, 'resources', j]);
      if (resource.resource.includes('/')) return; // subresources, as the classic walk skips them
      const existing = found.get(resource.resource);
      if (existing !== undefined) {
        existing.versions.push(version);
        return;
      }
      found.set(resource.resource, {
        group: name,
        version,
        versions: [version],
        resource: resource.resource,
        singular: resource.singular || resource.kind.toLowerCase(),
        kind: resource.kind,
        namespaced: resource.namespaced,
        verbs: resource.verbs,
        shortNames: resource.shortNames,
        groupResource: name === '' ? resource.resource : `${resource.resource}.${name}`,
        apiVersion,
      });
    });
  });
  return [...found.values()];
}

/** The fields of an APIResourceDiscovery that an ApiResource takes. */
function readResource(item: unknown, path: readonly (string | number)[]) {
  const r = fields(item, path);
  const scope = r['scope'];
  if (scope !== 'Namespaced' && scope !== 'Cluster')
    throw new InvalidDocument([...path, 'scope'], 'expected "Namespaced" or "Cluster"');
  return {
    resource: text(r, 'resource', path),
    kind: text(fields(r['responseKind'], [...path, 'responseKind']), 'kind', [...path, 'responseKind']),
    namespaced: scope === 'Namespaced',
    singular: optionalText(r, 'singularResource', path) ?? '',
    verbs: texts(r['verbs'], [...path, 'verbs']),
    shortNames: r['shortNames'] === undefined ? [] : texts(r['shortNames'], [...path, 'shortNames']),
  };
}
