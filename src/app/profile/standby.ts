import type { Logger } from '../../log/index.ts';
import {
  type ApiResource,
  discoverResources,
  KubeApiError,
  type KubeClient,
  type KubeTarget,
  objectPath,
} from '../../kube/index.ts';
import {
  type BackupContents,
  captureProfile,
  checkStandby,
  type Collision,
  type Finding,
} from '../../profile/index.ts';
import { connectCluster } from '../deps/cluster.ts';
import { loadBackupEvidence } from './backup-evidence.ts';
import { sanitizeProfile } from '../profile-capture/index.ts';

export interface StandbyCheckRequest {
  backup: string;
  configPath: string | undefined;
  location: string | undefined;
  /** A cluster of the fleet: the backup is under its prefix. */
  cluster?: string | undefined;
  kube: KubeTarget;
  storageClassMappings: Record<string, string>;
  logger: Logger;
}

export interface StandbyCheckResult {
  backup: string;
  location: string;
  standby: string;
  /** `profile` when the backup has one, `contents` when only its contents could be compared. */
  comparedWith: 'profile' | 'contents';
  ready: boolean;
  counts: { blocking: number; warning: number; info: number };
  findings: Finding[];
}

/** Objects every namespace gets by itself: never a collision worth reporting. */
const AUTOMATIC = new Set([
  'serviceaccounts/default',
  'configmaps/kube-root-ca.crt',
  'services/kubernetes',
  'endpoints/kubernetes',
  'endpointslices.discovery.k8s.io/kubernetes',
]);

/**
 * Compares a standby cluster with a backup: the backup's profile against the standby's live one,
 * and the backup's objects against what the standby serves, stores and schedules.
 */
export async function runStandbyCheck(request: StandbyCheckRequest): Promise<StandbyCheckResult> {
  const evidence = await loadBackupEvidence(
    {
      configPath: request.configPath,
      location: request.location,
      logger: request.logger,
      cluster: request.cluster,
    },
    request.backup,
  );
  const cluster = await connectCluster(request.kube);
  try {
    const { resources } = await discoverResources(cluster.client);
    const target = sanitizeProfile(
      await captureProfile({
        client: cluster.client,
        server: cluster.server,
        version: cluster.version,
        context: request.kube.context,
        resources,
      }),
    );
    const collisions = await findCollisions(cluster.client, resources, evidence.contents);
    const findings = checkStandby({
      contents: evidence.contents,
      source: evidence.profile,
      target,
      storageClassMappings: request.storageClassMappings,
      collisions,
    });
    const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
    return {
      backup: request.backup,
      location: evidence.location,
      standby: cluster.server,
      comparedWith: evidence.profile ? 'profile' : 'contents',
      ready: count('blocking') === 0,
      counts: { blocking: count('blocking'), warning: count('warning'), info: count('info') },
      findings,
    };
  } finally {
    cluster.close();
  }
}

/** Backed-up namespaced objects whose name is already taken in the standby. */
async function findCollisions(
  client: KubeClient,
  resources: readonly ApiResource[],
  contents: BackupContents,
): Promise<Collision[]> {
  const existing = new Set(
    (
      await client.json<{ items: { metadata: { name: string } }[] }>({ path: '/api/v1/namespaces' })
    ).items.map((n) => n.metadata.name),
  );
  const byKey = new Map<string, ApiResource>();
  for (const r of resources)
    for (const v of r.versions) byKey.set(`${r.group ? `${r.group}/${v}` : v}/${r.kind}`, r);
  const out: Collision[] = [];
  for (const [key, ids] of Object.entries(contents.resourceList)) {
    const resource = byKey.get(key);
    if (!resource?.namespaced || !resource.verbs.includes('list') || resource.kind === 'Event') continue;
    const wanted = new Map<string, Set<string>>();
    for (const id of ids) {
      const [ns, name] = id.split('/');
      if (ns && name && existing.has(ns) && !AUTOMATIC.has(`${resource.groupResource}/${name}`))
        wanted.set(ns, (wanted.get(ns) ?? new Set()).add(name));
    }
    for (const [ns, names] of wanted) {
      let items: { metadata: { name: string } }[];
      try {
        items = (
          await client.json<{ items: typeof items }>({
            path: objectPath(resource.groupResource, resource.apiVersion, ns),
            retries: 2,
          })
        ).items;
      } catch (err) {
        if (err instanceof KubeApiError) continue;
        throw err;
      }
      const taken = items
        .map((i) => i.metadata.name)
        .filter((n) => names.has(n))
        .sort();
      if (taken.length > 0) out.push({ namespace: ns, resource: resource.groupResource, names: taken });
    }
  }
  return out;
}
