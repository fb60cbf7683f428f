import {
  type ApiResource,
  discoverResources,
  KubeApiError,
  type KubeClient,
  listJsonPages,
  objectPath,
} from '../../kube/index.ts';
import {
  getValidLabelValue,
  POD_VOLUME_API_VERSION,
  POD_VOLUME_RESTORE_RESOURCE,
  PodVolumeLabels,
  type ResourceList,
  VeleroLabels,
} from '../../model/index.ts';
import type { DrillCleanup } from '../../drill/index.ts';
import { parseListed } from './wait-ready.ts';

type Named = { metadata: { name: string; labels?: Record<string, string> } };

/** The standby's namespace names now. */
export async function namespaceNames(client: KubeClient): Promise<string[]> {
  const out: string[] = [];
  for await (const page of listJsonPages<Named>(client, '/api/v1/namespaces', { limit: 500 }))
    out.push(...page.map((n) => n.metadata.name));
  return out.sort();
}

export interface CleanUpInput {
  restoreName: string;
  /** The restore's resource list: what it created is deleted, nothing else. */
  resourceList: ResourceList | undefined;
  /** The namespaces before the drill: none of them is ever deleted. */
  namespacesBefore: readonly string[];
  /** Where the node agents' PodVolumeRestores are. */
  agentNamespace: string;
  timeoutMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Puts the standby back as it was: deletes the namespaces the restore created (their objects go with
 * them), then every other object it created (cluster-scoped ones, objects in namespaces that existed
 * before) and the PodVolumeRestores it asked the agents for; waits until the namespaces are gone.
 * Namespaces that existed before the drill are never deleted. What could not be deleted is named.
 */
export async function cleanUpStandby(client: KubeClient, input: CleanUpInput): Promise<DrillCleanup> {
  const before = new Set(input.namespacesBefore);
  const deleted: string[] = [];
  const left: string[] = [];
  const { resources } = await discoverResources(client);
  const byType = new Map<string, ApiResource>();
  for (const r of resources)
    for (const v of r.versions) byType.set(`${r.group ? `${r.group}/${v}` : v}/${r.kind}`, r);

  // Namespaces the restore created, and any labelled with its name (an interrupted restore's).
  const namespaces = new Set<string>();
  for (const entry of input.resourceList?.['v1/Namespace'] ?? []) {
    const item = parseListed(entry);
    if (item?.result === 'created' && !before.has(item.name)) namespaces.add(item.name);
  }
  const label = `${VeleroLabels.restoreName}=${getValidLabelValue(input.restoreName)}`;
  for await (const page of listJsonPages<Named>(client, '/api/v1/namespaces', {
    limit: 500,
    labelSelector: label,
  }))
    for (const n of page) if (!before.has(n.metadata.name)) namespaces.add(n.metadata.name);

  const remove = async (what: string, path: string) => {
    try {
      await client.json({ method: 'DELETE', path, query: { propagationPolicy: 'Background' }, retries: 3 });
      deleted.push(what);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) deleted.push(what);
      else left.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  for (const [key, entries] of Object.entries(input.resourceList ?? {})) {
    if (key === 'v1/Namespace') continue;
    const resource = byType.get(key);
    for (const entry of entries) {
      const item = parseListed(entry);
      if (item?.result !== 'created') continue;
      if (item.namespace !== undefined && namespaces.has(item.namespace)) continue; // goes with its namespace
      const what = `${resource?.groupResource ?? key}/${item.namespace ? `${item.namespace}/` : ''}${item.name}`;
      if (resource === undefined) {
        left.push(`${what}: the standby no longer serves ${key}`);
        continue;
      }
      await remove(what, objectPath(resource.groupResource, resource.apiVersion, item.namespace, item.name));
    }
  }
  await removePodVolumeRestores(client, input, remove);
  for (const ns of [...namespaces].sort())
    await remove(`namespace/${ns}`, objectPath('namespaces', 'v1', undefined, ns));

  const deadline = Date.now() + input.timeoutMs;
  let after = await namespaceNames(client);
  while (after.some((n) => namespaces.has(n)) && Date.now() < deadline) {
    await sleep(1000);
    after = await namespaceNames(client);
  }
  // Namespaces others made meanwhile are not the drill's: only what it created can be left.
  for (const n of after)
    if (namespaces.has(n))
      left.push(`namespace/${n}: still terminating after ${Math.round(input.timeoutMs / 1000)} s`);
  return {
    mode: 'cleaned',
    deleted,
    left,
    namespacesBefore: [...input.namespacesBefore],
    namespacesAfter: after,
  };
}

async function removePodVolumeRestores(
  client: KubeClient,
  input: CleanUpInput,
  remove: (what: string, path: string) => Promise<void>,
): Promise<void> {
  const path = objectPath(POD_VOLUME_RESTORE_RESOURCE, POD_VOLUME_API_VERSION, input.agentNamespace);
  const selector = `${PodVolumeLabels.restoreName}=${getValidLabelValue(input.restoreName)}`;
  try {
    for await (const page of listJsonPages<Named>(client, path, {
      limit: 500,
      labelSelector: selector,
      retries: 1,
    }))
      for (const p of page)
        await remove(
          `${POD_VOLUME_RESTORE_RESOURCE}/${input.agentNamespace}/${p.metadata.name}`,
          objectPath(
            POD_VOLUME_RESTORE_RESOURCE,
            POD_VOLUME_API_VERSION,
            input.agentNamespace,
            p.metadata.name,
          ),
        );
  } catch {
    // no PodVolumeRestore CRD or namespace on the standby: the restore asked for none
  }
}

/**
 * What a kept drill (--keep) left in the standby, each named: the objects its restore created, from
 * its resource list; without one, where to find them (labelled with the restore's name).
 */
export function keptObjects(restoreName: string, list: ResourceList | undefined): string[] {
  if (list === undefined)
    return [
      `the restore's resource list could not be read: its objects carry the label ${VeleroLabels.restoreName}=${getValidLabelValue(restoreName)}`,
    ];
  const out: string[] = [];
  for (const [key, entries] of Object.entries(list))
    for (const entry of entries) {
      const item = parseListed(entry);
      if (item?.result === 'created')
        out.push(`${key}/${item.namespace === undefined ? '' : `${item.namespace}/`}${item.name}`);
    }
  return out.sort();
}
