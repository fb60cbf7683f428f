import type { DrillReport } from './report.ts';

/** A complete drill report for tests: Passed, every section filled; override what a test is about. */
export function sampleReport(overrides: Partial<DrillReport> = {}): DrillReport {
  return {
    apiVersion: 'lifeboat.io/v1alpha1',
    kind: 'DrillReport',
    name: 'drill-prod-a-20261207031500',
    cluster: 'prod-a',
    backup: 'nightly-20261207010000',
    backupStartTimestamp: '2026-12-07T01:00:00.000Z',
    location: 'default',
    standby: 'https://127.0.0.1:6443',
    startTimestamp: '2026-12-07T03:15:00.000Z',
    completionTimestamp: '2026-12-07T03:17:00.000Z',
    outcome: 'Passed',
    reasons: [],
    objectives: { rtoSeconds: 900 },
    rpoSeconds: 8100,
    rtoSeconds: 95.5,
    phases: [
      { name: 'check', startMs: 0, endMs: 4000 },
      { name: 'download', startMs: 4000, endMs: 9000 },
      { name: 'plan', startMs: 9000, endMs: 12_000 },
      { name: 'apply', startMs: 12_000, endMs: 40_000 },
      { name: 'readiness', startMs: 40_000, endMs: 80_000 },
      { name: 'verify', startMs: 80_000, endMs: 95_500 },
      { name: 'cleanup', startMs: 95_500, endMs: 110_000 },
    ],
    restore: {
      name: 'drill-prod-a-20261207031500',
      phase: 'Completed',
      created: 42,
      updated: 0,
      skipped: 3,
      failed: 0,
      errors: 0,
      warnings: 1,
      archiveBytes: 123_456,
      volumeBytes: 5_242_880,
    },
    findings: [
      { severity: 'warning', code: 'NO_NODES', message: 'the target has no <nodes>', hint: 'add nodes' },
    ],
    workloads: [{ kind: 'Deployment', namespace: 'shop', name: 'web', ready: true }],
    verify: { ok: true, checked: 42, identical: 42, mismatches: [] },
    volumes: [],
    cleanup: { mode: 'cleaned', deleted: ['namespace/shop'], left: [] },
    ...overrides,
  };
}
