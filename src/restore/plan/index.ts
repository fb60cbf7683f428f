// The restore plan, pure: from the inventory's facts, the request and what the target holds, the ordered steps (priorities), each item's action, and the pre-flight findings.
// It must never do I/O (no cluster, no archive, no store) nor prepare an item; it reads facts only.
export { buildRestorePlan, CRD_RESOURCE, isServed, markExistence, type PlanInput, recount } from './plan.ts';
export {
  type CrdFacts,
  emptyCounts,
  type Existence,
  type FindingKind,
  type ItemFacts,
  type NameFilter,
  type PlanAction,
  type PlanCounts,
  type PlannedItem,
  type PlannedNamespace,
  type PlanStep,
  type PlanTarget,
  type PreflightFinding,
  type RestorePlan,
  type RestorePlanRequest,
  type SkipCode,
  type SkipReason,
  type WebhookInfo,
} from './plan-types.ts';
export {
  DEFAULT_HIGH_PRIORITIES,
  DEFAULT_LOW_PRIORITIES,
  orderBackupResources,
  type PriorityTier,
  resolvePriorityName,
} from './priorities.ts';
export {
  checkRestoreFilters,
  planRequest,
  type PlanSpec,
  resolveResources,
  type RestoreFilters,
} from './request.ts';
