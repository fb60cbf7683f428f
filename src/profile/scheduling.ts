import type { Taint } from './schema.ts';
import type { Requirement, Toleration, Workload } from './contents.ts';

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
  const v = labels[r.key];
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
    Object.entries(w.nodeSelector).every(([k, v]) => node.labels[k] === v) &&
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
