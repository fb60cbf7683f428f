// Check: how a target cluster differs from the source — profile against profile (drift, node pools), a backup's workloads against the target's nodes (scheduling), the standby check — as results' one Finding type, and their rendering.
// It must never read a cluster or a backup itself; it compares what capture/ produced.
export { diffProfiles } from './drift.ts';
export { type Finding, type Severity } from './findings.ts';
export { renderFindings } from './report.ts';
export { workloadFindings } from './scheduling.ts';
export { checkStandby, type Collision, type StandbyCheckInput } from './standby.ts';
