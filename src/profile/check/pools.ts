import type { ClusterProfile, NodePool, ProfileNode } from '../schema.ts';
import { finding, listSome, type Finding } from './findings.ts';
import { formatCapacity } from '../capture/index.ts';
import { own } from '../../model/index.ts';

/** Node-pool comparison of two profiles (pure): pools matched by name, then by shape. */

export type Sized = Pick<ProfileNode, 'capacity' | 'instanceType'>;

/** True when `a` has clearly less CPU or memory than `b` (5% slack: kubelets report memory differently). */
export function smaller(a: Sized, b: Sized): boolean {
  const lt = (x: number | undefined, y: number | undefined) =>
    x !== undefined && y !== undefined && x < y * 0.95;
  return lt(a.capacity.cpu, b.capacity.cpu) || lt(a.capacity.memoryBytes, b.capacity.memoryBytes);
}

export function differentType(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() !== b.toLowerCase();
}

export function describeSize(n: Sized): string {
  return [n.instanceType, formatCapacity(n.capacity)].filter(Boolean).join(' / ') || 'of unknown size';
}

/** Pools of the target matching the source's: same name first, then same instance type and OS. */
export function matchPools(
  source: readonly NodePool[],
  target: readonly NodePool[],
): Map<NodePool, NodePool | undefined> {
  const free = new Set(target);
  const out = new Map<NodePool, NodePool | undefined>();
  for (const p of source) {
    const byName = [...free].find((q) => q.name.toLowerCase() === p.name.toLowerCase());
    if (byName) {
      out.set(p, byName);
      free.delete(byName);
    }
  }
  for (const p of source) {
    if (out.has(p)) continue;
    const byShape =
      [...free].find(
        (q) =>
          !differentType(p.instanceType, q.instanceType) && p.instanceType !== undefined && q.os === p.os,
      ) ?? [...free].find((q) => q.os === p.os && !smaller(q, p) && taintsText(q) === taintsText(p));
    out.set(p, byShape);
    if (byShape) free.delete(byShape);
  }
  return out;
}

export const taintText = (t: { key: string; value?: string | undefined; effect: string }) =>
  `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
const taintsText = (p: NodePool) => p.taints.map(taintText).sort().join(',');

/** Labels that platforms set themselves: a different cluster has different values, which is expected. */
const SYSTEM_LABEL =
  /^(kubernetes\.io\/|beta\.kubernetes\.io\/|node\.kubernetes\.io\/|topology\.kubernetes\.io\/|failure-domain\.|node-role\.kubernetes\.io\/|kubernetes\.azure\.com\/|eks\.amazonaws\.com\/|alpha\.eksctl\.io\/|cloud\.google\.com\/|k3s\.io\/|rke2\.io\/|cluster\.x-k8s\.io\/|agentpool$)/;

export function poolFindings(s: ClusterProfile, t: ClusterProfile): Finding[] {
  if (s.nodePools.length === 0) return [];
  const targetNodes = t.nodePools.reduce((n, p) => n + p.count, 0) + t.controlPlane.nodeCount;
  if (targetNodes === 0)
    return [
      finding(
        'warning',
        'NO_NODES',
        `the target has no nodes; the source had ${s.nodePools.length} node pool(s): ${listSome(s.nodePools.map((p) => `${p.name} (${p.count}× ${describeSize(p)})`))}`,
        'create the node pools before restoring: pods stay Pending without nodes',
      ),
    ];
  const out: Finding[] = [];
  for (const [p, q] of matchPools(s.nodePools, t.nodePools))
    out.push(...(q ? matchedPoolFindings(p, q) : [missingPoolFinding(p)]));
  const capacity = capacityFinding(s.nodePools, t.nodePools);
  if (capacity) out.push(capacity);
  return out;
}

function missingPoolFinding(p: NodePool): Finding {
  return finding(
    'warning',
    'NODE_POOL_MISSING',
    `no target node pool matches source pool ${p.name} (${p.count}× ${describeSize(p)}, ${p.os ?? 'unknown OS'}${p.taints.length ? `, taints ${p.taints.map(taintText).join(' ')}` : ''})`,
    `create a pool of ${p.count} node(s) of that size${p.taints.length ? ' with the same taints' : ''}`,
  );
}

/** How target pool `q` falls short of source pool `p`: size, instance type, OS, taints, labels. */
function matchedPoolFindings(p: NodePool, q: NodePool): Finding[] {
  const out: Finding[] = [];
  const where = `target pool ${q.name} (for source pool ${p.name})`;
  if (q.count < p.count || smaller(q, p))
    out.push(
      finding(
        'warning',
        'NODE_POOL_SMALLER',
        `${where} has ${q.count}× ${describeSize(q)}; the source had ${p.count}× ${describeSize(p)}`,
        `scale it to ${p.count} node(s) of at least the source's size`,
      ),
    );
  if (differentType(p.instanceType, q.instanceType))
    out.push(
      finding(
        'warning',
        'NODE_POOL_INSTANCE_TYPE',
        `${where} uses ${q.instanceType}, the source used ${p.instanceType}`,
        `use ${p.instanceType} unless the difference is intended`,
      ),
    );
  if (p.os !== undefined && q.os !== undefined && p.os !== q.os)
    out.push(
      finding(
        'warning',
        'NODE_POOL_OS',
        `${where} runs ${q.os}, the source pool ran ${p.os}`,
        `create a ${p.os} pool: ${p.os} workloads cannot run on ${q.os} nodes`,
      ),
    );
  out.push(...nodeMarkFindings(p, q, where));
  return out;
}

/** The taints and (non-system) labels of source pool `p` that target pool `q` lacks. */
function nodeMarkFindings(p: NodePool, q: NodePool, where: string): Finding[] {
  const out: Finding[] = [];
  const missingTaints = p.taints
    .filter((x) => !q.taints.some((y) => taintText(y) === taintText(x)))
    .map(taintText);
  if (missingTaints.length > 0)
    out.push(
      finding(
        'warning',
        'NODE_POOL_TAINTS',
        `${where} lacks the taints ${missingTaints.join(', ')}`,
        `taint its nodes: kubectl taint nodes -l <pool selector> ${missingTaints[0]}`,
      ),
    );
  const missingLabels = Object.entries(p.labels)
    .filter(([k, v]) => !SYSTEM_LABEL.test(k) && own(q.labels, k) !== v)
    .map(([k, v]) => `${k}=${v}`);
  if (missingLabels.length > 0)
    out.push(
      finding(
        'warning',
        'NODE_POOL_LABELS',
        `${where} lacks the labels ${listSome(missingLabels)}`,
        `label its nodes: kubectl label nodes -l <pool selector> ${missingLabels[0]}`,
      ),
    );
  return out;
}

/** The target's worker pools together against the source's: CPU and memory, 5% slack. */
function capacityFinding(source: readonly NodePool[], target: readonly NodePool[]): Finding | undefined {
  const total = (pools: readonly NodePool[], pick: (p: NodePool) => number | undefined) =>
    pools.reduce((sum, p) => sum + (pick(p) ?? 0) * p.count, 0);
  const [sCpu, tCpu] = [total(source, (p) => p.capacity.cpu), total(target, (p) => p.capacity.cpu)];
  const [sMem, tMem] = [
    total(source, (p) => p.capacity.memoryBytes),
    total(target, (p) => p.capacity.memoryBytes),
  ];
  if (tCpu >= sCpu * 0.95 && tMem >= sMem * 0.95) return undefined;
  return finding(
    'warning',
    'TOTAL_CAPACITY_SMALLER',
    `target worker capacity is ${formatCapacity({ cpu: tCpu, memoryBytes: tMem })}, the source had ${formatCapacity({ cpu: sCpu, memoryBytes: sMem })}`,
    'add worker nodes: the restored workloads may not all fit',
  );
}
