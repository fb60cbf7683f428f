/**
 * Aggregated discovery (apidiscovery.k8s.io v2, and v2beta1 of Kubernetes 1.26–1.29): `/api` and
 * `/apis` each answer with every group, version and resource in one APIGroupDiscoveryList, instead of
 * one request per group version. This module reads those documents into the same ApiResource[] the
 * classic walk builds; discovery.ts decides which of the two paths a server gets.
 */
import * as z from 'zod';
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
 * The fields lifeboat reads of apidiscovery's APIGroupDiscoveryList (k8s.io/api apidiscovery/v2
 * types.go; v2beta1 has the same shape). Built on first use: zod schemas cost start-up time.
 */
function buildSchema() {
  const GroupVersionKind = z.object({
    group: z.string().optional(),
    version: z.string().optional(),
    kind: z.string(),
  });
  const Subresource = z.object({
    subresource: z.string(),
    responseKind: GroupVersionKind.optional(),
    verbs: z.array(z.string()).optional(),
  });
  const Resource = z.object({
    resource: z.string(),
    responseKind: GroupVersionKind,
    scope: z.enum(['Namespaced', 'Cluster']),
    singularResource: z.string().optional(),
    verbs: z.array(z.string()),
    shortNames: z.array(z.string()).optional(),
    subresources: z.array(Subresource).optional(),
  });
  const Version = z.object({
    version: z.string(),
    resources: z.array(Resource).optional(),
    /** "Current" or "Stale"; absent means current. */
    freshness: z.string().optional(),
  });
  const Group = z.object({
    metadata: z.object({ name: z.string().optional() }).optional(),
    versions: z.array(Version).optional(),
  });
  return z.object({
    kind: z.literal('APIGroupDiscoveryList'),
    apiVersion: z.enum(AGGREGATED_API_VERSIONS),
    items: z.array(Group),
  });
}

type GroupDiscoveryList = z.infer<ReturnType<typeof buildSchema>>;
type GroupDiscovery = GroupDiscoveryList['items'][number];

let schema: ReturnType<typeof buildSchema> | undefined;

function parseList(body: unknown, path: string): GroupDiscoveryList {
  schema ??= buildSchema();
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  throw new LifeboatError(
    'OPERATION_FAILED',
    `the API server's aggregated discovery document for ${path} is not valid${where}: ${issue?.message ?? 'unknown'}`,
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
  const coreGroups = parseList(core, '/api').items.filter((g) => groupName(g) === '');
  const failedGroups: FailedGroupVersion[] = [];
  const resources: ApiResource[] = [];
  for (const group of [...coreGroups, ...parseList(groups, '/apis').items]) {
    resources.push(...groupResources(group, failedGroups));
  }
  return { resources, failedGroups };
}

function groupName(group: GroupDiscovery): string {
  return group.metadata?.name ?? '';
}

function groupResources(group: GroupDiscovery, failedGroups: FailedGroupVersion[]): ApiResource[] {
  const name = groupName(group);
  const found = new Map<string, ApiResource>();
  for (const v of group.versions ?? []) {
    const version = v.version;
    const apiVersion = name === '' ? version : `${name}/${version}`;
    if (v.freshness === 'Stale') {
      failedGroups.push({ groupVersion: apiVersion, error: STALE_GROUP_VERSION_ERROR });
      continue;
    }
    for (const r of v.resources ?? []) {
      if (r.resource.includes('/')) continue; // subresources, as the classic walk skips them
      const existing = found.get(r.resource);
      if (existing !== undefined) {
        existing.versions.push(version);
        continue;
      }
      found.set(r.resource, {
        group: name,
        version,
        versions: [version],
        resource: r.resource,
        singular: r.singularResource || r.responseKind.kind.toLowerCase(),
        kind: r.responseKind.kind,
        namespaced: r.scope === 'Namespaced',
        verbs: r.verbs,
        shortNames: r.shortNames ?? [],
        groupResource: name === '' ? r.resource : `${r.resource}.${name}`,
        apiVersion,
      });
    }
  }
  return [...found.values()];
}
