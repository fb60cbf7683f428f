import { defaultClusterPrefix } from '../../config/index.ts';
import type { KubeTarget } from '../../kube/index.ts';

/** Where a cluster of the fleet comes from. */
export type ClusterSource = 'config' | 'secret' | 'cluster-api';

/** What is known of a cluster before merging: its entry, or a discovered kubeconfig. */
export interface ClusterCandidate {
  name: string;
  source: ClusterSource;
  /** What it came from, stable across refreshes: `config/<name>`, `secret/<ns>/<name>`, `cluster-api/<ns>/<name>`. */
  origin: string;
  labels: Readonly<Record<string, string>>;
  /** How to reach it: a kubeconfig file, or (discovered) a kubeconfig held in memory only. */
  target: KubeTarget;
  /** The identity recorded in the config (config entries only). */
  recordedUid?: string | undefined;
  location?: string | undefined;
  prefix?: string | undefined;
  standby?: KubeTarget | undefined;
}

/** Why a cluster could not be asked (probe.ts classifyUnreachable). */
export type Unreachable =
  'dns' | 'refused' | 'tls' | 'unauthorized' | 'forbidden' | 'timeout' | 'kubeconfig' | 'other';

/** Its part in the site: the management cluster (the AKS host) or a workload cluster. */
export type ClusterRole = 'management' | 'workload';

/** What connecting to it said: its identity and server, or why it could not be reached. */
export interface ClusterProbe {
  reachable: boolean;
  /** Set when not reachable: what kind of failure. */
  kind?: Unreachable | undefined;
  uid?: string | undefined;
  server?: string | undefined;
  version?: string | undefined;
  /** Why it is not reachable (never credentials). */
  reason?: string | undefined;
}

/** One cluster of the fleet, once merged by identity. */
export interface FleetCluster extends ClusterCandidate {
  /** The kube-system namespace UID; undefined while it has never been reached. */
  uid: string | undefined;
  server: string | undefined;
  reachable: boolean;
  reason?: string | undefined;
  kind?: Unreachable | undefined;
  /** Other origins that turned out to be this same cluster (a Secret and a Cluster object, say). */
  alsoFrom: string[];
}

export interface FleetChanges {
  added: FleetCluster[];
  removed: FleetCluster[];
  /** Same cluster (same identity, or same origin), something else changed: name, server, labels, reachability. */
  changed: { before: FleetCluster; after: FleetCluster }[];
}

const PRECEDENCE: Record<ClusterSource, number> = { config: 0, 'cluster-api': 1, secret: 2 };

/**
 * Merges candidates by identity: a configured entry wins over a discovered one for the same cluster
 * (its name, labels and location), a Cluster API object over a labelled Secret. A cluster never
 * reached keeps its own row (its identity is unknown). A recorded identity that differs from the
 * probed one is reported as the row's reason: the kubeconfig now points at another cluster.
 */
export function mergeFleet(
  candidates: readonly { candidate: ClusterCandidate; probe: ClusterProbe }[],
): FleetCluster[] {
  const sorted = [...candidates].sort(
    (a, b) =>
      PRECEDENCE[a.candidate.source] - PRECEDENCE[b.candidate.source] ||
      a.candidate.origin.localeCompare(b.candidate.origin),
  );
  const byUid = new Map<string, FleetCluster>();
  const names = new Set<string>();
  const out: FleetCluster[] = [];
  for (const { candidate, probe } of sorted) {
    const uid = probe.uid ?? candidate.recordedUid;
    const same = uid === undefined ? undefined : byUid.get(uid);
    if (same !== undefined) {
      same.alsoFrom.push(candidate.origin);
      continue;
    }
    const name = names.has(candidate.name) ? uniqueName(candidate, names) : candidate.name;
    names.add(name);
    const cluster: FleetCluster = {
      ...candidate,
      name,
      uid,
      server: probe.server,
      reachable: probe.reachable,
      reason: identityProblem(candidate, probe) ?? probe.reason,
      kind: probe.kind,
      alsoFrom: [],
    };
    if (uid !== undefined) byUid.set(uid, cluster);
    out.push(cluster);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Leaves out every cluster whose folder (location and prefix) an earlier one already has, with a
 * problem naming both: two clusters at one prefix would mix their backups, and Velero at that prefix
 * would see both. Earlier is by the merge's precedence (a configured entry, then a Cluster object,
 * then a Secret; then by origin), so the cluster that had the folder keeps it. The config refuses
 * such entries when it is read; discovered clusters can name any prefix in their annotation. A
 * cluster naming no location is in `defaultLocation`.
 */
export function separateFolders(
  clusters: readonly FleetCluster[],
  /** The location of a cluster that names none (the config's default). */
  defaultLocation?: string,
): { clusters: FleetCluster[]; problems: string[] } {
  const ordered = [...clusters].sort(
    (a, b) => PRECEDENCE[a.source] - PRECEDENCE[b.source] || a.origin.localeCompare(b.origin),
  );
  const holders = new Map<string, FleetCluster>();
  const problems: string[] = [];
  const kept = new Set<FleetCluster>();
  for (const c of ordered) {
    const prefix = (c.prefix ?? defaultClusterPrefix(c.name)).replace(/^\/+|\/+$/g, '');
    const place = `${c.location ?? defaultLocation ?? ''}\u0000${prefix}`;
    const holder = holders.get(place);
    if (holder === undefined) {
      holders.set(place, c);
      kept.add(c);
      continue;
    }
    problems.push(
      `${c.origin}: cluster '${c.name}' would share the prefix ${prefix} with cluster '${holder.name}' (${holder.origin}); ` +
        `left out so that their backups never mix: give it a prefix of its own (annotation lifeboat.io/prefix)`,
    );
  }
  return { clusters: clusters.filter((c) => kept.has(c)), problems };
}

function identityProblem(candidate: ClusterCandidate, probe: ClusterProbe): string | undefined {
  if (candidate.recordedUid === undefined || probe.uid === undefined || probe.uid === candidate.recordedUid)
    return undefined;
  return `its kubeconfig now reaches another cluster (identity ${probe.uid}, recorded ${candidate.recordedUid})`;
}

/** A discovered cluster whose name is taken: its namespace is put in front (origin `<source>/<ns>/<name>`). */
function uniqueName(candidate: ClusterCandidate, taken: ReadonlySet<string>): string {
  const namespace = candidate.origin.split('/')[1] ?? candidate.source;
  const base = `${namespace}-${candidate.name}`.slice(0, 57).replace(/-+$/, '');
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/**
 * What changed between two views of the fleet. A cluster is matched first by identity (a renamed
 * entry, or one moved from a Secret to a Cluster object, is the same cluster), then by origin (a
 * cluster that was unreachable and now answers).
 */
export function diffFleet(before: readonly FleetCluster[], after: readonly FleetCluster[]): FleetChanges {
  const unmatched = new Set(before);
  const byUid = new Map<string, FleetCluster>();
  const byOrigin = new Map<string, FleetCluster>();
  for (const c of before) {
    if (c.uid !== undefined) byUid.set(c.uid, c);
    byOrigin.set(c.origin, c);
  }
  const changes: FleetChanges = { added: [], removed: [], changed: [] };
  const pending: FleetCluster[] = [];
  for (const c of after) {
    const prior = c.uid === undefined ? undefined : byUid.get(c.uid);
    if (prior !== undefined && unmatched.delete(prior)) record(changes, prior, c);
    else pending.push(c);
  }
  for (const c of pending) {
    const prior = byOrigin.get(c.origin);
    if (prior !== undefined && unmatched.delete(prior)) record(changes, prior, c);
    else changes.added.push(c);
  }
  changes.removed.push(...unmatched);
  return changes;
}

function record(changes: FleetChanges, before: FleetCluster, after: FleetCluster): void {
  if (fingerprint(before) !== fingerprint(after)) changes.changed.push({ before, after });
}

function fingerprint(c: FleetCluster): string {
  const labels = Object.keys(c.labels)
    .sort()
    .map((k) => `${k}=${c.labels[k] ?? ''}`);
  return JSON.stringify([c.name, c.uid, c.server, c.reachable, c.source, c.origin, labels]);
}
