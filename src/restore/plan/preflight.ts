import type { ItemFacts, PlannedItem, PlanTarget, PreflightFinding, RestorePlan } from './plan-types.ts';

/**
 * Pre-flight findings (pure): what in the target may stop the plan — APIs it does not serve,
 * StorageClasses it lacks, namespaces already in use, admission webhooks that see the objects.
 */
export function preflightFindings(
  plan: RestorePlan,
  facts: ReadonlyMap<string, readonly ItemFacts[]>,
  target: PlanTarget,
  missingAdditional: ReadonlyMap<string, string>,
  namespaceFiltered = false,
): PreflightFinding[] {
  return [
    ...refused(plan),
    ...(namespaceFiltered ? clusterScoped(plan) : []),
    ...notServed(plan),
    ...missingStorageClasses(plan, facts, target),
    ...occupiedNamespaces(plan, target),
    ...webhooks(plan, target),
    ...[...missingAdditional.entries()].map(([k, by]) => {
      const [gr, ns, name] = k.split('|');
      return {
        code: 'additional-item-missing' as const,
        severity: 'warning' as const,
        message: `${by} needs ${gr} ${ns ? `${ns}/` : ''}${name}, which is not in the backup`,
        hint: 'it must already exist in the target, or the item may not work after the restore',
        items: 1,
      };
    }),
  ];
}

/** Items the archive holds but lifeboat will not restore: each is an error of the restore. */
function refused(plan: RestorePlan): PreflightFinding[] {
  const reasons = plan.steps.flatMap((s) =>
    s.items.filter((i) => i.skipCode === 'refused').map((i) => i.reason ?? i.path),
  );
  if (reasons.length === 0) return [];
  return [
    {
      code: 'item-refused',
      severity: 'error',
      message: `${reasons.length} backup item(s) are unreadable or disagree with their path in the archive, and are not restored`,
      hint: 'the archive is damaged or forged there; everything else is restored, and each refused item is an error of the restore',
      items: reasons.length,
      objects: reasons,
    },
  ];
}

/**
 * What a namespace-filtered restore creates outside those namespaces (items pulled in by others,
 * or every cluster-scoped item with --include-cluster-resources): listed so it is seen first.
 */
function clusterScoped(plan: RestorePlan): PreflightFinding[] {
  const objects = plan.steps.flatMap((s) =>
    s.items
      .filter((i) => i.clusterScoped === true && i.action !== 'skip')
      .map((i) => `${i.groupResource}/${i.name}${i.reason ? ` (${i.reason})` : ''}`),
  );
  if (objects.length === 0) return [];
  return [
    {
      code: 'cluster-scoped',
      severity: 'warning',
      message: `this restore is limited to some namespaces but creates ${objects.length} cluster-scoped object(s)`,
      hint: 'cluster-scoped objects affect the whole target; exclude them with --include-cluster-resources=false or --exclude-resources',
      items: objects.length,
      objects,
    },
  ];
}

function notServed(plan: RestorePlan): PreflightFinding[] {
  const byApi = new Map<string, number>();
  for (const step of plan.steps) {
    for (const item of step.items) {
      if (item.skipCode !== 'not-served') continue;
      const api = `${item.apiVersion} ${item.kind} (${item.groupResource})`;
      byApi.set(api, (byApi.get(api) ?? 0) + 1);
    }
  }
  return [...byApi.entries()].map(([api, items]) => ({
    code: 'api-not-served',
    severity: 'error',
    message: `the target does not serve ${api} and the backup has no CRD for it: ${items} item(s) will be skipped`,
    hint: 'install the CRD or operator that provides this API in the target first, or exclude the resource',
    items,
  }));
}

function missingStorageClasses(
  plan: RestorePlan,
  facts: ReadonlyMap<string, readonly ItemFacts[]>,
  target: PlanTarget,
): PreflightFinding[] {
  if (target.storageClasses === undefined) return [];
  const restored = new Set<string>();
  const users = new Map<string, number>();
  const planned = plannedKeys(plan);
  for (const f of facts.get('storageclasses.storage.k8s.io') ?? []) {
    if (planned.has(`storageclasses.storage.k8s.io|/${f.name}`)) restored.add(f.name);
  }
  for (const gr of ['persistentvolumeclaims', 'persistentvolumes']) {
    for (const f of facts.get(gr) ?? []) {
      if (!f.storageClass || !planned.has(`${gr}|${f.namespace ?? ''}/${f.name}`)) continue;
      users.set(f.storageClass, (users.get(f.storageClass) ?? 0) + 1);
    }
  }
  return [...users.entries()]
    .filter(([sc]) => !target.storageClasses!.has(sc) && !restored.has(sc))
    .map(([sc, items]) => ({
      code: 'storage-class-missing',
      severity: 'error',
      message: `StorageClass ${sc} does not exist in the target and is not restored: ${items} PVC/PV(s) use it`,
      hint: `create it in the target, or map it with --storage-class-mappings ${sc}:<existing class>`,
      items,
    }));
}

function plannedKeys(plan: RestorePlan): Set<string> {
  const out = new Set<string>();
  for (const step of plan.steps) {
    for (const item of step.items) {
      if (item.action !== 'skip') out.add(`${item.groupResource}|${item.namespace ?? ''}/${item.name}`);
    }
  }
  return out;
}

function occupiedNamespaces(plan: RestorePlan, target: PlanTarget): PreflightFinding[] {
  const out: PreflightFinding[] = [];
  for (const ns of plan.namespaces) {
    const objects = target.occupiedNamespaces?.get(ns.name) ?? 0;
    if (objects === 0) continue;
    out.push({
      code: 'namespace-not-empty',
      severity: 'warning',
      message: `namespace ${ns.name} already exists in the target and holds ${objects} object(s)`,
      hint: 'existing objects are kept; same-named objects are skipped or updated per --existing-resource-policy',
      items: objects,
    });
  }
  return out;
}

function webhooks(plan: RestorePlan, target: PlanTarget): PreflightFinding[] {
  const out: PreflightFinding[] = [];
  const creates = plan.steps.flatMap((s) =>
    s.items.filter((i) => i.action === 'create' || i.action === 'update'),
  );
  for (const hook of target.webhooks ?? []) {
    const hit = creates.filter((item) => hook.rules.some((r) => ruleMatches(r, item)));
    if (hit.length === 0) continue;
    out.push({
      code: 'admission-webhook',
      severity: hook.failurePolicy === 'Ignore' ? 'info' : 'warning',
      message: `${hook.kind} ${hook.configuration} (webhook ${hook.webhook}, failurePolicy ${hook.failurePolicy}) intercepts ${hit.length} item(s) to create`,
      hint: 'if its service is not running in the target yet, creates may be rejected; restore it later or relax it',
      items: hit.length,
    });
  }
  return out;
}

function ruleMatches(rule: { apiGroups: string[]; resources: string[] }, item: PlannedItem): boolean {
  const dot = item.groupResource.indexOf('.');
  const resource = dot === -1 ? item.groupResource : item.groupResource.slice(0, dot);
  const group = dot === -1 ? '' : item.groupResource.slice(dot + 1);
  const groupOk = rule.apiGroups.includes('*') || rule.apiGroups.includes(group);
  const resourceOk = rule.resources.some((r) => r === '*' || r === '*/*' || r === resource);
  return groupOk && resourceOk;
}
