import { type KubeObject, nullObject } from '../model/index.ts';
import type { WorkloadReadiness } from './report.ts';

/**
 * Readiness of restored workloads, pure: Deployments and StatefulSets available with every replica
 * ready, DaemonSets with every scheduled pod available, bare pods Running (or Succeeded). Jobs and
 * pods a controller owns are not workloads of their own. Why one is not ready comes from its pods:
 * phase, conditions, container states and the events about them.
 */

export type WorkloadKind = WorkloadReadiness['kind'];
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod'];

interface Condition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
}

export interface PodEvent {
  reason: string;
  message: string;
  type: string;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : nullObject<unknown>();
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Whether the workload's controller has caught up with it and every wanted replica is available. */
export function isWorkloadReady(kind: WorkloadKind, object: KubeObject): boolean {
  const spec = obj(object['spec']);
  const status = obj(object['status']);
  const generation = num((object.metadata as { generation?: unknown }).generation);
  const observed = num(status['observedGeneration']);
  if (kind === 'Pod')
    return ['Running', 'Succeeded'].includes(str(status['phase'])) && podContainersReady(object);
  if (generation > 0 && observed < generation) return false;
  if (kind === 'DaemonSet')
    return (
      num(status['numberAvailable']) >= num(status['desiredNumberScheduled']) &&
      num(status['numberMisscheduled']) === 0
    );
  const replicas = spec['replicas'] === undefined ? 1 : num(spec['replicas']);
  if (kind === 'StatefulSet') return num(status['readyReplicas']) >= replicas;
  const available = arr(status['conditions']).some(
    (c) => str((c as Condition).type) === 'Available' && str((c as Condition).status) === 'True',
  );
  return num(status['availableReplicas']) >= replicas && (replicas === 0 || available);
}

function podContainersReady(pod: KubeObject): boolean {
  const status = obj(pod['status']);
  if (str(status['phase']) === 'Succeeded') return true;
  return arr(status['conditions']).some(
    (c) => str((c as Condition).type) === 'Ready' && str((c as Condition).status) === 'True',
  );
}

/** Labels controllers put on their pods: a restored pod carrying one is its controller's, not a workload. */
const CONTROLLER_POD_LABELS = [
  'pod-template-hash',
  'controller-revision-hash',
  'job-name',
  'batch.kubernetes.io/job-name',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
];

/**
 * Whether a pod is a workload of its own (a bare pod), not a controller's or a Job's. A restore drops
 * owner references (Velero's metadata reset) until the controller adopts the pod again, so the
 * labels controllers set are what tell.
 */
export function isBarePod(pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  return (
    arr((pod.metadata as { ownerReferences?: unknown }).ownerReferences).length === 0 &&
    !CONTROLLER_POD_LABELS.some((l) => Object.hasOwn(labels, l))
  );
}

/** The pods a workload selects (matchLabels; matchExpressions with In/Exists), in its namespace. */
export function selects(workload: KubeObject, pod: KubeObject): boolean {
  if (pod.metadata.namespace !== workload.metadata.namespace) return false;
  const selector = obj(obj(workload['spec'])['selector']);
  const labels = pod.metadata.labels ?? {};
  const match = obj(selector['matchLabels']);
  for (const [k, v] of Object.entries(match)) if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  for (const e of arr(selector['matchExpressions'])) {
    const x = obj(e);
    const key = str(x['key']);
    const has = Object.hasOwn(labels, key);
    const values = arr(x['values']).map(str);
    const op = str(x['operator']);
    if (op === 'In' && !(has && values.includes(labels[key] ?? ''))) return false;
    if (op === 'NotIn' && has && values.includes(labels[key] ?? '')) return false;
    if (op === 'Exists' && !has) return false;
    if (op === 'DoesNotExist' && has) return false;
  }
  return Object.keys(match).length > 0 || arr(selector['matchExpressions']).length > 0;
}

/** One line on why a pod is not ready: phase, failing conditions, waiting containers, warning events. */
export function podWhy(pod: KubeObject, events: readonly PodEvent[]): string {
  const status = obj(pod['status']);
  const parts = [`pod ${pod.metadata.name} ${str(status['phase']) || 'Pending'}`];
  for (const c of arr(status['conditions'])) {
    const x = c as Condition;
    if (str(x.status) === 'True') continue;
    const detail = [str(x.reason), str(x.message)].filter((s) => s !== '').join(': ');
    parts.push(`${str(x.type)}=False${detail ? ` (${clip(detail)})` : ''}`);
  }
  for (const key of ['initContainerStatuses', 'containerStatuses']) {
    for (const cs of arr(status[key])) {
      const s = obj(cs);
      const state = obj(s['state']);
      const waiting = obj(state['waiting']);
      const terminated = obj(state['terminated']);
      if (str(waiting['reason']) !== '')
        parts.push(
          `container ${str(s['name'])} waiting: ${clip([str(waiting['reason']), str(waiting['message'])].filter(Boolean).join(': '))}`,
        );
      else if (str(terminated['reason']) !== '' && str(terminated['reason']) !== 'Completed')
        parts.push(`container ${str(s['name'])} terminated: ${str(terminated['reason'])}`);
    }
  }
  const warnings = events.filter((e) => e.type !== 'Normal').slice(-3);
  for (const e of warnings) parts.push(`event ${e.reason}: ${clip(e.message)}`);
  return parts.join('; ');
}

/** Why a controller's workload is not ready, from its status and its pods (or their absence). */
export function workloadWhy(
  kind: WorkloadKind,
  object: KubeObject,
  pods: readonly KubeObject[],
  eventsOf: (pod: KubeObject) => readonly PodEvent[],
): string {
  const status = obj(object['status']);
  const spec = obj(object['spec']);
  const head =
    kind === 'DaemonSet'
      ? `${num(status['numberAvailable'])}/${num(status['desiredNumberScheduled'])} available`
      : `${num(kind === 'StatefulSet' ? status['readyReplicas'] : status['availableReplicas'])}/${spec['replicas'] === undefined ? 1 : num(spec['replicas'])} ${kind === 'StatefulSet' ? 'ready' : 'available'}`;
  const notReady = pods.filter((p) => !isWorkloadReady('Pod', p));
  if (pods.length === 0) return `${head}; no pods were created`;
  return [head, ...notReady.slice(0, 3).map((p) => podWhy(p, eventsOf(p)))].join('; ');
}

function clip(s: string, max = 300): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
