import type { ItemRef } from '../../actions/index.ts';
import type { ApiResource } from '../../kube/index.ts';
import {
  emptyCounts,
  type CrdFacts,
  type Existence,
  type ItemFacts,
  type PlanCounts,
  type PlannedItem,
  type PlannedNamespace,
  type PlanStep,
  type PlanTarget,
  type RestorePlan,
  type RestorePlanRequest,
} from './plan-types.ts';
import { nullRecord } from '../own.ts';
import { servedMismatch } from './served.ts';
import { preflightFindings } from './preflight.ts';
import { CRD_RESOURCE, orderBackupResources } from './priorities.ts';
import { NEVER_RESTORED } from '../../selection/index.ts';

export * from './plan-types.ts';

export interface PlanInput {
  /** Facts of every item at a classic path, per group-resource, in archive (lexical) order. */
  facts: ReadonlyMap<string, readonly ItemFacts[]>;
  request: RestorePlanRequest;
  target: PlanTarget;
  priorities?: { high: readonly string[]; low: readonly string[] };
}

/** Filtered-out items that Velero still restores when another item pulls them in. */
const PULLABLE = new Set(['cluster-auto', 'selector']);

/**
 * The restore plan (pure): every backed-up item in Velero's order (spec/velero-format.md §5.3,
 * §5.4) with its action and the reason, the namespaces to create first, and pre-flight findings.
 */
export function buildRestorePlan(input: PlanInput): RestorePlan {
  const { request, target } = input;
  const order = orderBackupResources([...input.facts.keys()], target.served, input.priorities);
  const steps: PlanStep[] = [];
  const pulled = new Map<string, string>();
  const index = new Map<string, { item: PlannedItem; why?: string }>();
  const backupCrds = (input.facts.get(CRD_RESOURCE) ?? []).filter((f) => f.crd !== undefined);
  const crds = backupCrds.map((f) => f.crd!);
  for (const { groupResource, tier } of order) {
    const items = (input.facts.get(groupResource) ?? []).map((f) => {
      const decided = decide(f, request, target.served, crds);
      index.set(key(f.groupResource, f.namespace, f.name), decided);
      return decided.item;
    });
    steps.push({ tier, groupResource, items });
  }
  const needsCrd = crdRefs(backupCrds, target.served);
  pullAdditionalItems(input.facts, index, pulled, needsCrd);
  skipWithoutCrd(steps, index, needsCrd);
  for (const step of steps) {
    for (const item of step.items) {
      const existence = item.action === 'create' ? target.existing?.(item) : undefined;
      if (existence !== undefined) markExistence(item, existence, request.existingResourcePolicy);
    }
  }
  const namespaces = plannedNamespaces(steps, input.facts, request, target);
  const plan: RestorePlan = {
    steps,
    namespaces,
    findings: [],
    totals: emptyCounts(),
    byResource: nullRecord(),
    byNamespace: nullRecord(),
  };
  recount(plan);
  const namespaceFiltered = !request.namespaces.includesEverything();
  plan.findings = preflightFindings(plan, input.facts, target, pulled, namespaceFiltered);
  return plan;
}

function key(groupResource: string, namespace: string | undefined, name: string): string {
  return `${groupResource}|${namespace ?? ''}|${name}`;
}

function decide(
  f: ItemFacts,
  request: RestorePlanRequest,
  served: readonly ApiResource[],
  crds: readonly CrdFacts[],
): { item: PlannedItem; why?: string } {
  const targetNamespace =
    f.namespace === undefined ? undefined : (request.namespaceMapping.get(f.namespace) ?? f.namespace);
  const item: PlannedItem = {
    groupResource: f.groupResource,
    apiVersion: f.apiVersion,
    kind: f.kind,
    name: f.name,
    path: f.path,
    action: 'create',
  };
  if (f.namespace !== undefined) item.namespace = f.namespace;
  if (targetNamespace !== undefined) item.targetNamespace = targetNamespace;
  if (f.restoreStatus) item.restoreStatus = true;
  if (f.namespace === undefined && f.groupResource !== 'namespaces') item.clusterScoped = true;
  const skip = (code: NonNullable<PlannedItem['skipCode']>, reason: string, why?: string, hint?: string) => {
    item.action = 'skip';
    item.skipCode = code;
    item.reason = reason;
    if (hint !== undefined) item.hint = hint;
    return why === undefined ? { item } : { item, why };
  };
  if (NEVER_RESTORED.includes(f.groupResource))
    return skip('never-restored', `${f.groupResource} are never restored`);
  if (!request.resources.shouldInclude(f.groupResource))
    return skip('filtered', 'resource not selected by the resource filters');
  const nsName = f.groupResource === 'namespaces' ? f.name : f.namespace;
  if (nsName !== undefined && !request.namespaces.shouldInclude(nsName)) {
    return skip('filtered', 'namespace not selected by the namespace filters');
  }
  const refused = f.refused ?? servedMismatch(f, served, crds);
  if (f.namespace === undefined) {
    if (request.includeClusterResources === false)
      return skip('filtered', 'cluster-scoped resources are excluded');
    if (request.includeClusterResources === undefined && !request.namespaces.includesEverything()) {
      return skip(
        'filtered',
        'cluster-scoped, and only some namespaces are restored',
        refused === undefined ? 'cluster-auto' : undefined,
        'add --include-cluster-resources=true to restore it',
      );
    }
  }
  if (refused !== undefined) {
    return skip(
      'refused',
      refused,
      undefined,
      'the archive is damaged or forged here: this item is not restored; check where the backup came from',
    );
  }
  if (request.labelSelector && !request.labelSelector(f.labels)) {
    return skip('filtered', 'labels do not match the label selector', 'selector');
  }
  if (f.skip) return skip(f.skip.code, f.skip.reason, undefined, f.skip.hint);
  if (!isServed(f, served, crds)) {
    return skip(
      'not-served',
      `the target cluster does not serve ${f.apiVersion} ${f.kind}`,
      undefined,
      'install the CRD or API extension that serves it in the target, or exclude the resource',
    );
  }
  return { item };
}

export function isServed(
  f: { groupResource: string; apiVersion: string },
  served: readonly ApiResource[],
  crds: readonly CrdFacts[],
): boolean {
  const version = f.apiVersion.includes('/')
    ? f.apiVersion.slice(f.apiVersion.indexOf('/') + 1)
    : f.apiVersion;
  const resource = served.find((r) => r.groupResource === f.groupResource);
  if (resource?.versions.includes(version)) return true;
  return crds.some((c) => c.groupResource === f.groupResource && c.versions.includes(version));
}

/** groupResource → the backup's CRD that serves it, for resources the target does not serve yet. */
function crdRefs(backupCrds: readonly ItemFacts[], served: readonly ApiResource[]): Map<string, ItemRef> {
  const out = new Map<string, ItemRef>();
  for (const f of backupCrds) {
    const gr = f.crd!.groupResource;
    if (!served.some((r) => r.groupResource === gr))
      out.set(gr, { groupResource: CRD_RESOURCE, name: f.name });
  }
  return out;
}

/** Custom resources whose CRD neither the target serves nor the plan restores cannot be created. */
function skipWithoutCrd(
  steps: readonly PlanStep[],
  index: ReadonlyMap<string, { item: PlannedItem }>,
  needsCrd: ReadonlyMap<string, ItemRef>,
): void {
  for (const step of steps) {
    const ref = needsCrd.get(step.groupResource);
    if (ref === undefined || index.get(key(ref.groupResource, undefined, ref.name))?.item.action === 'create')
      continue;
    for (const item of step.items) {
      if (item.action !== 'create') continue;
      item.action = 'skip';
      item.skipCode = 'not-served';
      item.reason = `the target does not serve ${item.apiVersion} ${item.kind} and its CRD ${ref.name} is not restored`;
      item.hint = 'restore the CRD too (it is filtered out), or install it in the target first';
    }
  }
}

/**
 * Velero's additional items: what a restored item needs comes along unless the filters forbid it
 * outright; a custom resource also brings the CRD that serves it (Velero adds it at backup time).
 */
function pullAdditionalItems(
  facts: ReadonlyMap<string, readonly ItemFacts[]>,
  index: ReadonlyMap<string, { item: PlannedItem; why?: string }>,
  missing: Map<string, string>,
  needsCrd: ReadonlyMap<string, ItemRef>,
): void {
  const work: ItemFacts[] = [];
  for (const list of facts.values()) {
    for (const f of list)
      if (index.get(key(f.groupResource, f.namespace, f.name))?.item.action === 'create') work.push(f);
  }
  const byKey = new Map<string, ItemFacts>();
  for (const list of facts.values())
    for (const f of list) byKey.set(key(f.groupResource, f.namespace, f.name), f);
  while (work.length > 0) {
    const f = work.pop()!;
    const crd = needsCrd.get(f.groupResource);
    for (const ref of crd ? [...f.additionalItems, crd] : f.additionalItems) {
      const k = key(ref.groupResource, ref.namespace, ref.name);
      const entry = index.get(k);
      if (entry === undefined) {
        missing.set(k, `${f.groupResource} ${f.namespace ? `${f.namespace}/` : ''}${f.name}`);
        continue;
      }
      if (entry.item.action !== 'skip' || entry.why === undefined || !PULLABLE.has(entry.why)) continue;
      entry.item.action = 'create';
      entry.item.reason = `restored with ${f.groupResource} ${f.namespace ? `${f.namespace}/` : ''}${f.name}`;
      delete entry.item.skipCode;
      delete entry.item.hint;
      const next = byKey.get(k);
      if (next) work.push(next);
    }
  }
}

function plannedNamespaces(
  steps: readonly PlanStep[],
  facts: ReadonlyMap<string, readonly ItemFacts[]>,
  request: RestorePlanRequest,
  target: PlanTarget,
): PlannedNamespace[] {
  const backedUp = new Map(
    (facts.get('namespaces') ?? []).filter((f) => f.refused === undefined).map((f) => [f.name, f.path]),
  );
  const wanted = new Map<string, string>();
  for (const step of steps) {
    for (const item of step.items) {
      if (item.action === 'skip') continue;
      if (step.groupResource === 'namespaces')
        wanted.set(request.namespaceMapping.get(item.name) ?? item.name, item.name);
      else if (item.namespace !== undefined && item.targetNamespace !== undefined)
        wanted.set(item.targetNamespace, item.namespace);
    }
  }
  return [...wanted.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, source]) => {
      const ns: PlannedNamespace = {
        name,
        source,
        action: target.existingNamespaces?.has(name) ? 'exists' : 'create',
      };
      const path = backedUp.get(source);
      if (path !== undefined) ns.path = path;
      return ns;
    });
}

/** Sets a planned item's action from how it compares with the target. */
export function markExistence(item: PlannedItem, existence: Existence, policy: 'none' | 'update'): void {
  if (item.action === 'skip') return;
  if (existence === 'absent') item.action = 'create';
  else if (existence === 'identical') item.action = 'exists-identical';
  else item.action = policy === 'update' ? 'update' : 'exists-different';
}

/** Recomputes the plan's totals and per-resource/per-namespace counts. */
export function recount(plan: RestorePlan): void {
  plan.totals = emptyCounts();
  plan.byResource = nullRecord();
  plan.byNamespace = nullRecord();
  const bump = (record: Record<string, PlanCounts>, k: string, action: keyof PlanCounts) => {
    const counts = (record[k] ??= emptyCounts());
    counts[action]++;
  };
  for (const step of plan.steps) {
    if (step.groupResource === 'namespaces') continue;
    for (const item of step.items) {
      plan.totals[item.action]++;
      bump(plan.byResource, step.groupResource, item.action);
      bump(plan.byNamespace, item.targetNamespace ?? '<cluster>', item.action);
    }
  }
  for (const ns of plan.namespaces) {
    const action = ns.action === 'create' ? 'create' : 'exists-identical';
    plan.totals[action]++;
    bump(plan.byResource, 'namespaces', action);
  }
}

export { CRD_RESOURCE };
