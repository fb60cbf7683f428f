// Use case: garbage collection — delete expired backups of this cluster in a location.
// It must never delete a backup of another cluster or one still in use.
export { type GcReport, type RetentionDecision, runGc } from './gc.ts';
