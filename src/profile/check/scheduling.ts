import type { ClusterProfile, Taint } from '../schema.ts';
import type { BackupContents, Requirement, Toleration, Workload } from '../capture/index.ts';
import { finding, listSome, type Finding } from './findings.ts';
import { own } from '../../model/index.ts';

const BUILTIN_PRIORITY = new Set(['system-cluster-critical', 'system-node-critical']);

/** A kind of node the target offers: one per node pool and per control-plane node. */
export interface NodeShape {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
}

function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect !== undefined && t.effect !== taint.effect) return false;
    if (t.key === undefined || t.key === '') return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

function satisfies(labels: Record<string, string>, r: Requirement): boolean {
  const v = own(labels, r.key);
  switch (r.operator) {
    case 'In':
      return v !== undefined && r.values.includes(v);
    case 'NotIn':
      return v === undefined || !r.values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
      return v !== undefined && Number(v) > Number(r.values[0]);
    case 'Lt':
      return v !== undefined && Number(v) < Number(r.values[0]);
    default:
      return true;
  }
}

/** Why a workload cannot run on a node shape, or undefined when it can. */
export function blockedBy(w: Workload, node: NodeShape): 'selector' | 'taints' | undefined {
  const selectorOk =
    Object.entries(w.nodeSelector).every(([k, v]) => own(node.labels, k) === v) &&
    (w.requiredTerms.length === 0 ||
      w.requiredTerms.some((term) => term.every((r) => satisfies(node.labels, r))));
  if (!selectorOk) return 'selector';
  const hard = node.taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  // Taints the node lifecycle controller puts on unready nodes say nothing about the node's purpose.
  const purposeful = hard.filter((t) => !t.key.startsWith('node.kubernetes.io/'));
  return purposeful.every((t) => tolerates(w.tolerations, t)) ? undefined : 'taints';
}

/** What the workload selects on, for messages: `disktype=ssd`, `pool In (gpu)`. */
export function describeSelector(w: Workload): string {
  const parts = Object.entries(w.nodeSelector).map(([k, v]) => `${k}=${v}`);
  for (const term of w.requiredTerms.slice(0, 1))
    for (const r of term)
      parts.push(`${r.key} ${r.operator}${r.values.length ? ` (${r.values.join(',')})` : ''}`);
  return parts.join(', ');
}

/** Specific taints a workload is built to tolerate (key given, not the default not-ready/unreachable ones). */
export function toleratedTaints(
  w: Workload,
): { key: string; value?: string; effect?: string; text: string }[] {
  return w.tolerations
    .filter((t) => t.key !== undefined && t.key !== '' && !t.key.startsWith('node.kubernetes.io/'))
    .map((t) => {
      const value = t.operator !== 'Exists' && t.value ? t.value : undefined;
      const key = t.key ?? '';
      return {
        key,
        value,
        effect: t.effect,
        text: `${key}${value ? `=${value}` : ''}${t.effect ? `:${t.effect}` : ''}`,
      };
    });
}

/** Whether the backup's workloads find nodes, priority classes and ingress classes on the target. */
export function workloadFindings(contents: BackupContents, target: ClusterProfile): Finding[] {
  const shapes: NodeShape[] = [
    ...target.nodePools.map((p) => ({ name: p.name, labels: p.labels, taints: p.taints })),
    ...target.controlPlane.nodes.map((n) => ({ name: n.name, labels: n.labels, taints: n.taints })),
  ];
  return [
    ...(shapes.length === 0
      ? noNodesFindings(contents.workloads)
      : [
          ...unschedulableFindings(contents.workloads, shapes),
          ...missingTaintFindings(contents.workloads, shapes),
        ]),
    ...priorityClassFindings(contents, target),
    ...ingressClassFindings(contents, target),
  ];
}

function noNodesFindings(workloads: readonly Workload[]): Finding[] {
  if (workloads.length === 0) return [];
  return [
    finding(
      'warning',
      'NO_NODES',
      `the target has no nodes: the backup's ${workloads.length} workload(s) (${listSome(
        workloads.map((w) => `${w.namespace}/${w.name}`),
        3,
      )}) will stay Pending`,
      'create the node pools before restoring (lifeboat runbook --from-backup <name> lists the source pools)',
    ),
  ];
}

/** Workloads no target node shape admits: by their node selector, or by taints they do not tolerate. */
function unschedulableFindings(workloads: readonly Workload[], shapes: readonly NodeShape[]): Finding[] {
  const out: Finding[] = [];
  const bySelector: string[] = [];
  const byTaints: string[] = [];
  for (const w of workloads) {
    const reasons = shapes.map((s) => blockedBy(w, s));
    if (reasons.some((r) => r === undefined)) continue;
    const label = `${w.kind} ${w.namespace}/${w.name}`;
    if (reasons.includes('taints')) byTaints.push(label);
    else bySelector.push(`${label} [${describeSelector(w)}]`);
  }
  if (bySelector.length > 0)
    out.push(
      finding(
        'warning',
        'WORKLOAD_SELECTOR_UNMATCHED',
        `${bySelector.length} workload(s) select nodes no target node matches: ${listSome(bySelector, 4)}`,
        'label standby nodes to match (kubectl label nodes <node> key=value), or create the node pool they were written for',
      ),
    );
  if (byTaints.length > 0)
    out.push(
      finding(
        'warning',
        'WORKLOAD_TAINTS_UNTOLERATED',
        `${byTaints.length} workload(s) match only target nodes whose taints they do not tolerate: ${listSome(byTaints, 4)}`,
        'add an untainted node pool, or remove the taints the source did not have',
      ),
    );
  return out;
}

/** Taints workloads are built to tolerate that no target node carries: their dedicated nodes are missing. */
function missingTaintFindings(workloads: readonly Workload[], shapes: readonly NodeShape[]): Finding[] {
  const taints = shapes.flatMap((s) => s.taints);
  const missing = new Map<string, string[]>();
  for (const w of workloads)
    for (const t of toleratedTaints(w))
      if (
        !taints.some(
          (x) =>
            x.key === t.key &&
            (t.value === undefined || x.value === t.value) &&
            (t.effect === undefined || x.effect === t.effect),
        )
      )
        missing.set(t.text, [...(missing.get(t.text) ?? []), `${w.namespace}/${w.name}`]);
  return [...missing].map(([t, ws]) =>
    finding(
      'warning',
      'TOLERATED_TAINT_MISSING',
      `workloads tolerate the taint ${t} but no target node carries it (${listSome(ws, 3)}): the dedicated nodes they were meant for are missing`,
      `create the dedicated pool with taint ${t}, or accept that they run on shared nodes`,
    ),
  );
}

function priorityClassFindings(contents: BackupContents, target: ClusterProfile): Finding[] {
  const knownPc = new Set([
    ...target.kubernetes.priorityClasses.map((p) => p.name),
    ...contents.priorityClasses,
    ...BUILTIN_PRIORITY,
  ]);
  const badPc = contents.workloads.filter((w) => w.priorityClassName && !knownPc.has(w.priorityClassName));
  if (badPc.length === 0) return [];
  return [
    finding(
      'warning',
      'PRIORITY_CLASS_MISSING',
      `workloads use PriorityClasses neither the target nor the backup has: ${listSome([...new Set(badPc.map((w) => w.priorityClassName ?? ''))])} (${listSome(
        badPc.map((w) => `${w.namespace}/${w.name}`),
        3,
      )})`,
      'create them on the standby before the restore: pods naming an unknown PriorityClass are rejected',
    ),
  ];
}

function ingressClassFindings(contents: BackupContents, target: ClusterProfile): Finding[] {
  const knownIc = new Set([
    ...target.ingress.classes.map((c) => c.name),
    ...contents.ingressClasses.map((c) => c.name),
  ]);
  const badIngress = contents.ingresses.filter((i) => i.ingressClassName && !knownIc.has(i.ingressClassName));
  if (badIngress.length === 0) return [];
  return [
    finding(
      'warning',
      'INGRESS_CLASS_MISSING',
      `Ingresses use classes the target does not have: ${listSome([...new Set(badIngress.map((i) => i.ingressClassName ?? ''))])} (${listSome(
        badIngress.map((i) => `${i.namespace}/${i.name}`),
        3,
      )})`,
      'install the ingress controller for that class on the standby',
    ),
  ];
}
