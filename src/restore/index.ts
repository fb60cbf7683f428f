// Restore's domain, one story in four steps: inventory/ (read the archive into facts, preparing each item once), target/ (inspect, compare), plan/ (pure: plan, priorities, pre-flight), apply/ (the restorer, apply-item).
// It must never open a store or resolve a backup name; app/restore sequences the steps.
export {
  applyPlan,
  DEFAULT_PARALLELISM,
  NO_VOLUME_EVIDENCE,
  prepareContext,
  PreparedInMemory,
  type PreparedItem,
  type PreparedItems,
  type PrepareContext,
  prepareItem,
  type RestoreOutcome,
  type RestoreProgress,
  type RestoreResults,
  volumeEvidence,
  type VolumeEvidence,
} from './apply/index.ts';
export { type BackupArchive, inventory, pvsToProvision, serviceAccountNames } from './inventory/index.ts';
export { mappingOf } from './own.ts';
export {
  buildRestorePlan,
  checkRestoreFilters,
  type Existence,
  type ItemFacts,
  markExistence,
  type NameFilter,
  type PlannedItem,
  planRequest,
  type PlanTarget,
  type PreflightFinding,
  type RestorePlan,
  type RestorePlanRequest,
  recount,
  type RestoreFilters,
} from './plan/index.ts';
export { compareWithTarget, inspectTarget, type ItemVerdict } from './target/index.ts';
