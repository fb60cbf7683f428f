import { getOrUndefined, type KubeClient, listJsonPages, objectPath } from '../../kube/index.ts';
import type { KubeObject, ResourceList } from '../../model/index.ts';
import {
  isBarePod,
  isWorkloadReady,
  type PodEvent,
  podWhy,
  selects,
  type WorkloadKind,
  type WorkloadReadiness,
  workloadWhy,
} from '../../drill/index.ts';

/** Where each workload kind is served, as a restore lists it (`<apiVersion>/<Kind>`). */
const WORKLOAD_TYPES = new Map<string, { kind: WorkloadKind; groupResource: string; apiVersion: string }>([
  ['apps/v1/Deployment', { kind: 'Deployment', groupResource: 'deployments.apps', apiVersion: 'apps/v1' }],
  ['apps/v1/StatefulSet', { kind: 'StatefulSet', groupResource: 'statefulsets.apps', apiVersion: 'apps/v1' }],
  ['apps/v1/DaemonSet', { kind: 'DaemonSet', groupResource: 'daemonsets.apps', apiVersion: 'apps/v1' }],
  ['v1/Pod', { kind: 'Pod', groupResource: 'pods', apiVersion: 'v1' }],
]);

export interface RestoredWorkload {
  kind: WorkloadKind;
  groupResource: string;
  apiVersion: string;
  namespace: string;
  name: string;
}

/** `ns/name(created)` of a restore's resource list → its parts (undefined for other shapes). */
export function parseListed(entry: string): { namespace?: string; name: string; result: string } | undefined {
  const m = /^(?:([^/()]+)\/)?([^/()]+)\(([a-z]+)\)$/.exec(entry);
  if (m === null) return undefined;
  const [, namespace, name = '', result = ''] = m;
  return namespace === undefined ? { name, result } : { namespace, name, result };
}

/** The workloads a restore created or updated, from its resource list. */
export function restoredWorkloads(list: ResourceList | undefined): RestoredWorkload[] {
  const out: RestoredWorkload[] = [];
  for (const [key, entries] of Object.entries(list ?? {})) {
    const type = WORKLOAD_TYPES.get(key);
    if (type === undefined) continue;
    for (const entry of entries) {
      const item = parseListed(entry);
      if (item?.namespace === undefined || (item.result !== 'created' && item.result !== 'updated')) continue;
      out.push({ ...type, namespace: item.namespace, name: item.name });
    }
  }
  return out;
}

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Waits until every restored workload is ready, each for at most `timeoutMs` (they all start
 * together, when the restore has applied them). Pods a controller owns are not waited for on their
 * own. Those still not ready are named with why, from their pods and the events about them.
 */
export async function waitUntilReady(
  client: KubeClient,
  workloads: readonly RestoredWorkload[],
  options: {
    timeoutMs: number;
    pollMs?: number;
    signal?: AbortSignal | undefined;
    onProgress?: (ready: number, total: number) => void;
  },
): Promise<WorkloadReadiness[]> {
  const deadline = Date.now() + options.timeoutMs;
  const state = new Map<
    RestoredWorkload,
    { ready: boolean; object: KubeObject | undefined; skip: boolean }
  >();
  for (const w of workloads) state.set(w, { ready: false, object: undefined, skip: false });
  for (;;) {
    for (const [w, s] of state) {
      if (s.ready || s.skip) continue;
      s.object = await getOrUndefined<KubeObject>(client, {
        path: objectPath(w.groupResource, w.apiVersion, w.namespace, w.name),
        retries: 2,
      });
      if (s.object !== undefined && w.kind === 'Pod' && !isBarePod(s.object)) s.skip = true;
      else s.ready = s.object !== undefined && isWorkloadReady(w.kind, s.object);
    }
    const pending = [...state.values()].filter((s) => !s.ready && !s.skip);
    options.onProgress?.(state.size - pending.length, state.size);
    if (pending.length === 0 || Date.now() >= deadline || options.signal?.aborted === true) break;
    await sleep(options.pollMs ?? 2000, options.signal);
  }
  const out: WorkloadReadiness[] = [];
  for (const [w, s] of state) {
    if (s.skip) continue;
    const row: WorkloadReadiness = { kind: w.kind, namespace: w.namespace, name: w.name, ready: s.ready };
    if (!s.ready) row.reason = await notReadyWhy(client, w, s.object, options.signal?.aborted === true);
    out.push(row);
  }
  return out;
}

async function notReadyWhy(
  client: KubeClient,
  w: RestoredWorkload,
  object: KubeObject | undefined,
  interrupted: boolean,
): Promise<string> {
  const prefix = interrupted ? 'not ready when the drill was interrupted: ' : '';
  if (object === undefined) return `${prefix}not found in the standby`;
  const pods: KubeObject[] = [];
  for await (const page of listJsonPages<KubeObject>(client, objectPath('pods', 'v1', w.namespace), {
    limit: 500,
  }))
    pods.push(...page);
  const events = await podEvents(client, w.namespace);
  const eventsOf = (pod: KubeObject) => events.get(pod.metadata.name) ?? [];
  if (w.kind === 'Pod') return `${prefix}${podWhy(object, eventsOf(object))}`;
  return `${prefix}${workloadWhy(
    w.kind,
    object,
    pods.filter((p) => selects(object, p)),
    eventsOf,
  )}`;
}

/** The namespace's events about pods, by pod name, oldest first. */
async function podEvents(client: KubeClient, namespace: string): Promise<Map<string, PodEvent[]>> {
  const out = new Map<string, PodEvent[]>();
  type Event = {
    involvedObject?: { kind?: string; name?: string };
    reason?: string;
    message?: string;
    type?: string;
  };
  try {
    for await (const page of listJsonPages<Event>(client, objectPath('events', 'v1', namespace), {
      limit: 500,
    }))
      for (const e of page) {
        if (e.involvedObject?.kind !== 'Pod' || typeof e.involvedObject.name !== 'string') continue;
        const list = out.get(e.involvedObject.name) ?? [];
        list.push({
          reason: String(e.reason ?? ''),
          message: String(e.message ?? ''),
          type: String(e.type ?? ''),
        });
        out.set(e.involvedObject.name, list);
      }
  } catch {
    // events are a help, not a requirement: without them the pods' own status says why
  }
  return out;
}
