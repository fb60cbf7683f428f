import type { BackupHooksSpec, ExecHookSpec, HookLabelSelector } from '../../model/index.ts';
import { IncludesExcludes, matchesLabelSelector } from '../../selection/index.ts';
import type { HookPhase } from '../../podvolumes/index.ts';

/**
 * The backup spec's resource hooks, ready to match pods (Velero's getResourceHooks and
 * ResourceHookSelector.applicableTo): namespaces and resources as include/exclude globs (excludes
 * win, empty or `*` includes everything), resource names resolved as discovery names them, and the
 * label selector against the pod's own labels. Hooks exist for pods only.
 */
export interface ResourceHookRule {
  name: string;
  namespaces: IncludesExcludes;
  resources: IncludesExcludes;
  labelSelector: HookLabelSelector | undefined;
  pre: ExecHookSpec[];
  post: ExecHookSpec[];
}

/** The group-resource a pod is matched as: Velero's `pods` (core group). */
const PODS = 'pods';

/**
 * Compiles the spec's resource hooks in order. `resolve` maps a name the spec gives (`pod`, `po`,
 * `Pods`) to its group-resource as discovery serves it; a name it cannot resolve (a glob, a type
 * not served) is kept as given, as Velero does.
 */
export function compileResourceHooks(
  hooks: BackupHooksSpec | undefined,
  resolve: (name: string) => string,
): ResourceHookRule[] {
  // `*` stays itself (an include of everything; an exclude of it is ignored, as in Velero).
  const map = (names: readonly string[] | undefined) =>
    (names ?? []).map((n) => (n === '*' ? n : resolve(n)));
  return (hooks?.resources ?? []).map((r) => ({
    name: r.name,
    namespaces: new IncludesExcludes(r.includedNamespaces ?? [], r.excludedNamespaces ?? []),
    resources: new IncludesExcludes(map(r.includedResources), map(r.excludedResources)),
    labelSelector: r.labelSelector,
    pre: (r.pre ?? []).map((h) => h.exec),
    post: (r.post ?? []).map((h) => h.exec),
  }));
}

/** Whether a resource hook applies to a pod of this namespace with these labels. */
export function appliesToPod(
  rule: ResourceHookRule,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!rule.namespaces.shouldInclude(namespace)) return false;
  if (!rule.resources.shouldInclude(PODS)) return false;
  return rule.labelSelector === undefined || matchesLabelSelector(rule.labelSelector, labels);
}

/** A phase's spec hooks for a pod, in the spec's order: each rule that applies, its hooks in order. */
export function specHooksFor(
  rules: readonly ResourceHookRule[],
  namespace: string,
  labels: Readonly<Record<string, string>>,
  phase: HookPhase,
): { name: string; exec: ExecHookSpec }[] {
  return rules
    .filter((rule) => appliesToPod(rule, namespace, labels))
    .flatMap((rule) => rule[phase].map((exec) => ({ name: rule.name, exec })));
}

/** Whether any rule has a hook at all (else pods need not be read for hooks). */
export function hasSpecHooks(rules: readonly ResourceHookRule[]): boolean {
  return rules.some((r) => r.pre.length > 0 || r.post.length > 0);
}
