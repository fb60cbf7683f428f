import { resolve } from 'node:path';
import { LifeboatError } from '../../errors/index.ts';
import {
  addClusterEntry,
  type ClusterEntry,
  ClusterEntrySchema,
  findCluster,
  loadConfig,
  removeClusterEntry,
  resolveLocation,
  saveConfig,
} from '../../config/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import { nullObject } from '../../model/index.ts';
import { clusterLocation } from './cluster-scope.ts';
import type { ClusterRole, FleetCluster, Unreachable } from './fleet-model.ts';
import { probeCluster } from './probe.ts';
import { clusterRole } from './role.ts';
import { ClusterRegistry, type FleetRefresh } from './registry.ts';

/** What `cluster add` is given. */
export interface AddClusterRequest {
  name: string;
  kubeconfig: string;
  context?: string | undefined;
  labels?: Record<string, string> | undefined;
  standby?: { kubeconfig: string; context?: string | undefined } | undefined;
  location?: string | undefined;
  prefix?: string | undefined;
  /** `management` for the site's management cluster (default: workload). */
  role?: ClusterRole | undefined;
}

/** A cluster as shown to the operator: everything but its credentials. */
export interface ClusterView {
  name: string;
  uid: string | undefined;
  server: string | undefined;
  labels: Record<string, string>;
  source: FleetCluster['source'];
  origin: string;
  role: ClusterRole;
  reachable: boolean;
  reason?: string | undefined;
  /** Why it is not reachable, for scripts: dns, refused, tls, unauthorized, forbidden, timeout, kubeconfig, other. */
  unreachable?: Unreachable | undefined;
  /** The kubeconfig file, or the object it was discovered in. */
  kubeconfig: string;
  context?: string | undefined;
  standby?: KubeTarget | undefined;
  /** Where its backups go: location and the full prefix inside it. */
  location: string;
  prefix: string;
  alsoFrom: string[];
}

/**
 * Connects to the cluster, records its identity and adds it to the config file. Refused when it
 * cannot be reached (its identity is unknown) or when it is a cluster already added under another name.
 */
export async function addCluster(
  configPath: string | undefined,
  request: AddClusterRequest,
): Promise<ClusterView> {
  const config = await loadConfig(configPath);
  const parsed = ClusterEntrySchema.safeParse({
    ...request,
    role: request.role === 'workload' ? undefined : request.role,
    kubeconfig: resolve(request.kubeconfig),
    standby:
      request.standby === undefined
        ? undefined
        : { ...request.standby, kubeconfig: resolve(request.standby.kubeconfig) },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LifeboatError(
      'USAGE',
      `cluster ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
      {
        hint: 'see lifeboat cluster add --help',
      },
    );
  }
  if (request.location !== undefined) resolveLocation(config, request.location);
  const target = { kubeconfig: parsed.data.kubeconfig, context: parsed.data.context };
  const probe = await probeCluster(target);
  if (probe.uid === undefined)
    throw new LifeboatError(
      'UNREACHABLE',
      `cannot add cluster '${request.name}': ${probe.kind === undefined ? '' : `${probe.kind}: `}${probe.reason ?? 'no identity'}`,
      {
        hint: 'lifeboat records the cluster’s identity (kube-system namespace UID) when it is added: check --kubeconfig/--context and that the cluster is up',
      },
    );
  const entry: ClusterEntry = { ...parsed.data, uid: probe.uid };
  const updated = addClusterEntry(config, entry);
  await saveConfig(updated);
  const view = viewOf(
    { ...configuredView(entry), uid: probe.uid, server: probe.server, reachable: true },
    updated,
  );
  return view;
}

/** Removes a cluster from the config file; its backups are never touched. */
export async function removeCluster(configPath: string | undefined, name: string): Promise<void> {
  const config = await loadConfig(configPath);
  if (config.fleet?.managementCluster === name)
    throw new LifeboatError('CONFLICT', `cluster '${name}' is the fleet's management cluster`, {
      hint: 'change fleet.managementCluster in the config file first',
    });
  await saveConfig(removeClusterEntry(config, name));
}

/** Every cluster of the fleet, each probed under its own timeout: an unreachable one is a row, not a failure. */
export async function getClusters(
  configPath: string | undefined,
): Promise<{ clusters: ClusterView[]; problems: string[] }> {
  const config = await loadConfig(configPath);
  const refresh: FleetRefresh = await new ClusterRegistry({ load: () => Promise.resolve(config) }).refresh();
  return { clusters: refresh.clusters.map((c) => viewOf(c, config)), problems: refresh.problems };
}

/** One cluster of the fleet (configured or discovered), probed. */
export async function describeCluster(configPath: string | undefined, name: string): Promise<ClusterView> {
  const { clusters } = await getClusters(configPath);
  const found = clusters.find((c) => c.name === name);
  if (found !== undefined) return found;
  const config = await loadConfig(configPath);
  findCluster(config, name);
  throw new LifeboatError('NOT_FOUND', `no cluster named '${name}' in the fleet`);
}

/**
 * How to reach a cluster named on the command line: its config entry, else a discovered cluster of
 * that name (discovery runs). The kubeconfig of a discovered one stays in memory.
 */
export async function resolveClusterTarget(
  configPath: string | undefined,
  name: string,
): Promise<KubeTarget> {
  const config = await loadConfig(configPath);
  const entry = config.clusters?.find((c) => c.name === name);
  if (entry !== undefined || config.fleet === undefined) {
    const found = entry ?? findCluster(config, name);
    return { kubeconfig: resolve(found.kubeconfig), context: found.context };
  }
  const registry = new ClusterRegistry({
    load: () => Promise.resolve(config),
    probe: () => Promise.resolve({ reachable: false }),
  });
  await registry.refresh();
  const discovered = registry.find(name);
  if (discovered === undefined) return findClusterTarget(config, name);
  return discovered.target;
}

function findClusterTarget(config: Parameters<typeof findCluster>[0], name: string): never {
  findCluster(config, name);
  throw new LifeboatError('NOT_FOUND', `no cluster named '${name}' in the fleet`);
}

function configuredView(entry: ClusterEntry): FleetCluster {
  return {
    name: entry.name,
    source: 'config',
    origin: `config/${entry.name}`,
    labels: nullObject(entry.labels ?? {}),
    target: { kubeconfig: entry.kubeconfig, context: entry.context },
    location: entry.location,
    prefix: entry.prefix,
    standby: entry.standby,
    uid: entry.uid,
    server: undefined,
    reachable: false,
    alsoFrom: [],
  };
}

function viewOf(
  c: FleetCluster,
  config: Parameters<typeof resolveLocation>[0] & Parameters<typeof clusterRole>[0],
): ClusterView {
  let location = c.location ?? '';
  let prefix = '';
  try {
    const resolved = clusterLocation(resolveLocation(config, c.location), c);
    location = resolved.name;
    prefix = resolved.objectStorage.prefix ?? '';
  } catch (err) {
    if (!(err instanceof LifeboatError)) throw err;
  }
  return {
    name: c.name,
    uid: c.uid,
    server: c.server,
    labels: nullObject(c.labels),
    source: c.source,
    origin: c.origin,
    role: clusterRole(config, c.name),
    reachable: c.reachable,
    reason: c.reason,
    unreachable: c.reachable ? undefined : c.kind,
    kubeconfig: c.target.kubeconfig ?? c.origin,
    context: c.target.context,
    // A discovered standby's kubeconfig is a credential: only the Secret it is in is shown.
    standby:
      c.standby === undefined
        ? undefined
        : {
            kubeconfig: c.standby.kubeconfig ?? c.standby.kubeconfigData?.source,
            context: c.standby.context,
          },
    location,
    prefix,
    alsoFrom: c.alsoFrom,
  };
}
