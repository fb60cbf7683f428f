// Check: how a target cluster differs from the source — profile against profile (drift, node pools) and a backup's workloads against the target's nodes (scheduling) — as Findings, and their rendering.
// It must never read a cluster or a backup itself; it compares what capture/ produced.
export { diffProfiles } from './drift.ts';
export { renderFindings } from './report.ts';
export { workloadFindings } from './scheduling.ts';
