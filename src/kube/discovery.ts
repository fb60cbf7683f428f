import type { KubeClient } from './client.ts';
import { LifeboatError } from '../errors/index.ts';
import type { ApiResource, DiscoveredResources, FailedGroupVersion } from './api-resource.ts';
import {
  AGGREGATED_DISCOVERY_ACCEPT,
  isAggregatedDiscovery,
  resourcesFromAggregated,
} from './discovery-aggregated.ts';

export type { ApiResource, DiscoveredResources, FailedGroupVersion } from './api-resource.ts';

interface APIGroupList {
  groups: {
    name: string;
    versions: { groupVersion: string; version: string }[];
    preferredVersion?: { version: string };
  }[];
}
interface APIResourceList {
  resources: {
    name: string;
    singularName?: string;
    namespaced: boolean;
    kind: string;
    verbs: string[];
    shortNames?: string[];
  }[];
}

export interface ServerVersion {
  gitVersion: string;
  major: string;
  minor: string;
  platform?: string;
}

export async function serverVersion(client: KubeClient): Promise<ServerVersion> {
  return client.json<ServerVersion>({ path: '/version', retries: 2, timeoutMs: 15_000 });
}

/**
 * Every resource the API server serves (no subresources), each at its group's preferred version,
 * in discovery order: the core group first, then the groups as /apis lists them. A group whose
 * discovery fails (e.g. an aggregated API that is down, or stale) is reported, not fatal.
 *
 * Asks for aggregated discovery (two requests: /api and /apis); a server that answers with the plain
 * APIVersions / APIGroupList (older than 1.26, or not honouring the content type) gets the classic
 * walk, one request per group version. Both paths give the same result.
 */
export async function discoverResources(client: KubeClient): Promise<DiscoveredResources> {
  const [core, groups] = await Promise.all([
    client.json<unknown>({ path: '/api', accept: AGGREGATED_DISCOVERY_ACCEPT }),
    client.json<unknown>({ path: '/apis', accept: AGGREGATED_DISCOVERY_ACCEPT }),
  ]);
  if (isAggregatedDiscovery(core) && isAggregatedDiscovery(groups)) {
    return nonEmpty(resourcesFromAggregated(core, groups));
  }
  return nonEmpty(
    await classicWalk(
      client,
      isGroupList(groups) ? groups : await client.json<APIGroupList>({ path: '/apis' }),
    ),
  );
}

/** discoverResources by the classic walk only: /apis, then one request per group version. */
export async function discoverResourcesClassic(client: KubeClient): Promise<DiscoveredResources> {
  return nonEmpty(await classicWalk(client, await client.json<APIGroupList>({ path: '/apis' })));
}

function isGroupList(body: unknown): body is APIGroupList {
  if (typeof body !== 'object' || body === null) return false;
  const { kind, groups } = body as { kind?: unknown; groups?: unknown };
  return kind === 'APIGroupList' && Array.isArray(groups);
}

function nonEmpty(found: DiscoveredResources): DiscoveredResources {
  if (found.resources.length === 0) {
    throw new LifeboatError('OPERATION_FAILED', 'API discovery returned no resources', {
      hint: 'check that the kubeconfig points at a Kubernetes API server',
    });
  }
  return found;
}

async function classicWalk(client: KubeClient, list: APIGroupList): Promise<DiscoveredResources> {
  const groups: { name: string; versions: string[]; preferred: string }[] = [
    { name: '', versions: ['v1'], preferred: 'v1' },
  ];
  for (const g of list.groups) {
    const versions = g.versions.map((v) => v.version);
    groups.push({ name: g.name, versions, preferred: g.preferredVersion?.version ?? versions[0] ?? 'v1' });
  }
  const failedGroups: FailedGroupVersion[] = [];
  const perGroup = await Promise.all(
    groups.map(async (g) => {
      // Fetch every version so a resource served only in a non-preferred version is still found.
      const ordered = [g.preferred, ...g.versions.filter((v) => v !== g.preferred)];
      const byVersion = await Promise.all(
        ordered.map(async (version) => {
          const gv = g.name === '' ? version : `${g.name}/${version}`;
          const path = g.name === '' ? `/api/${version}` : `/apis/${gv}`;
          try {
            return { version, list: await client.json<APIResourceList>({ path, retries: 2 }) };
          } catch (err) {
            failedGroups.push({ groupVersion: gv, error: err instanceof Error ? err.message : String(err) });
            return { version, list: { resources: [] } };
          }
        }),
      );
      const found = new Map<string, ApiResource>();
      for (const { version, list: rl } of byVersion) {
        for (const r of rl.resources) {
          if (r.name.includes('/')) continue; // subresources
          const existing = found.get(r.name);
          if (existing !== undefined) {
            existing.versions.push(version);
            continue;
          }
          found.set(r.name, {
            group: g.name,
            version,
            versions: [version],
            resource: r.name,
            singular: r.singularName || r.kind.toLowerCase(),
            kind: r.kind,
            namespaced: r.namespaced,
            verbs: r.verbs,
            shortNames: r.shortNames ?? [],
            groupResource: g.name === '' ? r.name : `${r.name}.${g.name}`,
            apiVersion: g.name === '' ? version : `${g.name}/${version}`,
          });
        }
      }
      return [...found.values()];
    }),
  );
  return { resources: perGroup.flat(), failedGroups };
}

/** Resolves a name an operator types (plural, singular, kind, short name, with or without .group). */
export function resolveResourceName(resources: readonly ApiResource[], name: string): ApiResource[] {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot === -1 ? lower : lower.slice(0, dot);
  const group = dot === -1 ? undefined : lower.slice(dot + 1);
  return resources.filter(
    (r) =>
      (group === undefined || r.group === group) &&
      (r.resource === base ||
        r.singular === base ||
        r.kind.toLowerCase() === base ||
        r.shortNames.includes(base)),
  );
}
