// Restore's domain: reading the archive into facts, inspecting the target, the pure plan (priorities, pre-flight), and applying it (prepare, apply-item, the restorer).
// It must never open a store or resolve a backup name; app/restore sequences the steps.
export { differences } from './compare.ts';
export { itemFacts, pathMismatch } from './facts.ts';
export { mappingOf } from './own.ts';
export {
  type Existence,
  type ItemFacts,
  type PlannedItem,
  type PlanTarget,
  type RestorePlan,
  type RestorePlanRequest,
  type WebhookInfo,
} from './plan-types.ts';
export { buildRestorePlan, markExistence, type NameFilter, recount } from './plan.ts';
export { type PrepareContext, prepareItem } from './prepare.ts';
export { applyPlan, DEFAULT_PARALLELISM, type RestoreProgress } from './restorer.ts';
export { type RestoreResults } from './results.ts';
export { decidePv, NO_VOLUME_EVIDENCE, volumeEvidence, type VolumeEvidence } from './volumes.ts';
