import type { Capacity, NodePool, ProfileNode, Taint } from '../schema.ts';
import { arr, rec, str, stringMap, type Obj } from './kube-read.ts';
import { byName } from './storage.ts';
import { nullObject, own } from '../../model/index.ts';

/** Labels that mark a control-plane node (the second is the pre-1.20 name). */
export const CONTROL_PLANE_LABELS = [
  'node-role.kubernetes.io/control-plane',
  'node-role.kubernetes.io/master',
];

/**
 * Where managed platforms write the node pool a node belongs to, in the order tried (spec §4.2–4.6).
 * `label:` and `annotation:` say where to look.
 */
export const POOL_KEYS = [
  'label:kubernetes.azure.com/agentpool',
  'label:agentpool',
  'label:eks.amazonaws.com/nodegroup',
  'label:alpha.eksctl.io/nodegroup-name',
  'label:cloud.google.com/gke-nodepool',
  'label:cluster.x-k8s.io/deployment-name',
  'annotation:cluster.x-k8s.io/owner-name',
] as const;

/** Labels that differ per node and say nothing about the pool. */
const PER_NODE_LABELS = /^(kubernetes\.io\/hostname|k3s\.io\/hostname|rke2\.io\/hostname)$/;

export function toProfileNode(node: Obj): ProfileNode {
  const labels = node.metadata.labels ?? {};
  const status = rec(node.status);
  const info = rec(status['nodeInfo']);
  const capacity = stringMap(status['capacity']);
  const ready = arr(status['conditions'])
    .map(rec)
    .find((c) => c['type'] === 'Ready');
  return {
    name: node.metadata.name,
    instanceType: labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'],
    capacity: {
      cpu: parseCpu(capacity['cpu']),
      memoryBytes: parseQuantity(capacity['memory']),
      pods: parseQuantity(capacity['pods']),
    },
    os: labels['kubernetes.io/os'] ?? str(info['operatingSystem']),
    arch: labels['kubernetes.io/arch'] ?? str(info['architecture']),
    osImage: str(info['osImage']),
    kubeletVersion: str(info['kubeletVersion']),
    containerRuntime: str(info['containerRuntimeVersion']),
    zone: labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'],
    region: labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'],
    ready: ready === undefined ? undefined : ready['status'] === 'True',
    labels,
    taints: arr(rec(node.spec)['taints']).map((t) => {
      const r = rec(t);
      return { key: str(r['key']) ?? '', value: str(r['value']), effect: str(r['effect']) ?? '' };
    }),
  };
}

export function isControlPlane(node: ProfileNode): boolean {
  return CONTROL_PLANE_LABELS.some((l) => Object.hasOwn(node.labels, l));
}

/** Groups worker nodes into pools by the first pool key any node carries, else by shape. */
export function groupNodePools(
  nodes: readonly ProfileNode[],
  annotations: Map<string, Record<string, string>>,
): NodePool[] {
  const groups = new Map<string, { groupedBy: string; nodes: ProfileNode[] }>();
  for (const node of nodes) {
    const [groupedBy, name] = poolOf(node, annotations.get(node.name) ?? {});
    const key = `${groupedBy}\u0000${name}`;
    const group = groups.get(key) ?? { groupedBy, nodes: [] };
    group.nodes.push(node);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .map(([key, g]) => summarizePool(key.split('\u0000')[1] ?? '', g.groupedBy, g.nodes))
    .sort(byName);
}

function poolOf(node: ProfileNode, annotations: Record<string, string>): [string, string] {
  for (const key of POOL_KEYS) {
    const [where, name] = key.split(/:(.*)/s) as [string, string];
    const value = own(where === 'label' ? node.labels : annotations, name);
    if (value === undefined || value === '') continue;
    // A Cluster API owner is a MachineSet `<machinedeployment>-<hash>`: the pool is the deployment.
    if (name === 'cluster.x-k8s.io/owner-name' && annotations['cluster.x-k8s.io/owner-kind'] === 'MachineSet')
      return [key, value.replace(/-[a-z0-9]{5,10}$/, '')];
    return [key, value];
  }
  return ['shape', shapeName(node)];
}

/** `Standard_D4s_v3-linux-tainted-gpu` style name for a pool grouped by shape. */
function shapeName(node: ProfileNode): string {
  const size =
    node.instanceType ?? `${node.capacity.cpu ?? '?'}cpu-${formatMemory(node.capacity.memoryBytes)}`;
  const taints = node.taints
    .filter((t) => t.effect !== 'PreferNoSchedule' && !t.key.startsWith('node.kubernetes.io/'))
    .map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`)
    .sort();
  return [size, node.os ?? 'unknown-os', ...taints].join(' ');
}

function summarizePool(name: string, groupedBy: string, nodes: ProfileNode[]): NodePool {
  const first = nodes[0]!;
  const common = <T>(pick: (n: ProfileNode) => T | undefined): T | undefined => {
    const v = pick(first);
    return nodes.every((n) => pick(n) === v) ? v : undefined;
  };
  const labels = nullObject<string>();
  for (const [k, v] of Object.entries(first.labels))
    if (!PER_NODE_LABELS.test(k) && nodes.every((n) => own(n.labels, k) === v)) labels[k] = v;
  const taintKey = (t: Taint) => `${t.key}=${t.value ?? ''}:${t.effect}`;
  const taints = first.taints.filter(
    (t) =>
      !t.key.startsWith('node.kubernetes.io/') &&
      nodes.every((n) => n.taints.some((u) => taintKey(u) === taintKey(t))),
  );
  const min = (pick: (c: Capacity) => number | undefined) => {
    const values = nodes.map((n) => pick(n.capacity)).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : Math.min(...values);
  };
  return {
    name,
    groupedBy,
    count: nodes.length,
    instanceType: common((n) => n.instanceType),
    capacity: { cpu: min((c) => c.cpu), memoryBytes: min((c) => c.memoryBytes), pods: min((c) => c.pods) },
    os: common((n) => n.os),
    arch: common((n) => n.arch),
    osImage: common((n) => n.osImage),
    kubeletVersions: uniqueSorted(nodes.map((n) => n.kubeletVersion)),
    taints,
    labels,
    zones: uniqueSorted(nodes.map((n) => n.zone)),
    nodes: nodes.map((n) => n.name).sort(),
  };
}

export function uniqueSorted(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))].sort();
}

const BINARY: Record<string, number> = nullObject({
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
});
const DECIMAL: Record<string, number> = nullObject({ k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, m: 1e-3 });

/** A Kubernetes quantity (`7992Mi`, `8G`, `110`, `1500m`) as a number; undefined when unreadable. */
export function parseQuantity(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^([0-9.]+)([KMGTP]i|[kMGTPm])?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2];
  if (unit === undefined) return n;
  return n * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
}

function parseCpu(text: string | undefined): number | undefined {
  const n = parseQuantity(text);
  return n === undefined ? undefined : Math.round(n * 1000) / 1000;
}

export function formatMemory(bytes: number | undefined): string {
  if (bytes === undefined) return '?';
  const gi = bytes / 2 ** 30;
  return gi >= 1 ? `${Math.round(gi * 10) / 10}Gi` : `${Math.round(bytes / 2 ** 20)}Mi`;
}

/** "4 CPU, 7.8Gi, 110 pods" */
export function formatCapacity(c: Capacity): string {
  return [
    c.cpu === undefined ? undefined : `${c.cpu} CPU`,
    c.memoryBytes === undefined ? undefined : formatMemory(c.memoryBytes),
    c.pods === undefined ? undefined : `${c.pods} pods`,
  ]
    .filter(Boolean)
    .join(', ');
}
