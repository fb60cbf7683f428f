// DR drills, pure: the report model (schema), the phase timeline, the outcome rules, workload readiness, the Markdown and HTML reports and the evidence's checksum manifest.
// It must never talk to a cluster or a store; app/drill runs the drill and stores what this builds.
export { bytesText, secondsText } from './format.ts';
export { renderDrillHtml } from './html.ts';
export {
  buildManifest,
  checkManifest,
  type EvidenceManifest,
  type ManifestCheck,
  ManifestSchema,
  sha256,
} from './manifest.ts';
export { renderDrillMarkdown } from './markdown.ts';
export { decideOutcome, type DrillFacts, failureReasons, rtoSeconds } from './outcome.ts';
export {
  isBarePod,
  isWorkloadReady,
  type PodEvent,
  podWhy,
  selects,
  WORKLOAD_KINDS,
  type WorkloadKind,
  workloadWhy,
} from './readiness.ts';
export {
  DRILL_PHASES,
  type DrillCleanup,
  type DrillOutcome,
  type DrillPhase,
  type DrillPhaseName,
  type DrillReport,
  DrillReportSchema,
  RTO_PHASES,
  type VolumeCheck,
  type WorkloadReadiness,
} from './report.ts';
export { PhaseTimeline } from './timeline.ts';
