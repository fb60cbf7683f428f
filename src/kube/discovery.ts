import type { KubeClient } from './client.ts';
import { LifeboatError } from '../errors/index.ts';

/** One served resource type, at its group's preferred version. */
export interface ApiResource {
  group: string;
  /** The preferred version of the group (what backups store). */
  version: string;
  /** Every version of the group that serves this resource, preferred first. */
  versions: string[];
  /** Plural name, e.g. "deployments". */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  /** "deployments.apps", or "pods" for the core group: Velero's GroupResource string. */
  groupResource: string;
  /** "apps/v1" or "v1". */
  apiVersion: string;
}

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
 * discovery fails (e.g. an aggregated API that is down) is reported, not fatal.
 */
export async function discoverResources(
  client: KubeClient,
): Promise<{ resources: ApiResource[]; failedGroups: { groupVersion: string; error: string }[] }> {
  const groups: { name: string; versions: string[]; preferred: string }[] = [
    { name: '', versions: ['v1'], preferred: 'v1' },
  ];
  const list = await client.json<APIGroupList>({ path: '/apis' });
  for (const g of list.groups) {
    const versions = g.versions.map((v) => v.version);
    groups.push({ name: g.name, versions, preferred: g.preferredVersion?.version ?? versions[0] ?? 'v1' });
  }
  const failedGroups: { groupVersion: string; error: string }[] = [];
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
  const resources = perGroup.flat();
  if (resources.length === 0) {
    throw new LifeboatError('OPERATION_FAILED', 'API discovery returned no resources', {
      hint: 'check that the kubeconfig points at a Kubernetes API server',
    });
  }
  return { resources, failedGroups };
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
