// Use case: DR drills — restore a cluster's backup into its standby, wait until ready, verify objects and volume data, clean the standby back, and store the evidence (report, Markdown, HTML, checksums) under the drill's restore folder; read drills back from the bucket alone.
// It must never leave in the standby what it restored unless asked to (--keep), nor touch what was there before; the report's rules are drill/'s.
export { type DrillEvent, type DrillRequest, runDrill } from './run-drill.ts';
export { type DrillQuery, type DrillSummary, getDrill, latestPassedDrill, listDrills } from './drills.ts';
export type { Evidence } from './evidence.ts';
export type { DrillReport } from '../../drill/index.ts';
export {
  createDrillSchedule,
  deleteDrillSchedule,
  type DrillSchedule,
  listDrillSchedules,
  validateDrillSchedule,
} from './drill-schedules.ts';
