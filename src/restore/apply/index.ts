// Applying a plan to the target: each item prepared once (metadata reset, restore actions, mappings), then the restorer — CRDs, namespaces, steps in order, bounded in parallel — and apply-item's create / compare / update.
// It must never decide what is restored (the plan does) nor read the archive beyond the namespaces' own objects; it never opens a store.
export { applyItem, type ApplyContext } from './apply-item.ts';
export { differences, isSameAsBackup, mergePatchTowards } from './differences.ts';
export { describeFailure, isAlreadyExists, waitForCrd } from './kube-ops.ts';
export { cloneJson, namespaceFromBackup, RESET_METADATA_FIELDS } from './metadata.ts';
export { prepareContext, type PrepareSpec } from './prepare-context.ts';
export { intrinsicSkip, type PrepareContext, type PreparedItem, prepareItem } from './prepare.ts';
export { PreparedInMemory, type PreparedItems } from './prepared.ts';
export {
  applyPlan,
  DEFAULT_PARALLELISM,
  type RestoreOutcome,
  type RestoreProgress,
  type RestorerOptions,
} from './restorer.ts';
export { type ItemResult, type RestoreCounts, RestoreResults } from './results.ts';
export {
  decidePv,
  NO_VOLUME_EVIDENCE,
  type PvDecision,
  volumeEvidence,
  type VolumeEvidence,
} from './volumes.ts';
