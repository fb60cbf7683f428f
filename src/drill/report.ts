import * as z from 'zod';
import { DataCheckSchema } from '../model/index.ts';

/**
 * A drill's report, the machine-readable evidence stored as `<name>-drill.json.gz`: what was
 * restored from which backup into which standby, how long each phase took, what was ready, what
 * was verified and cleaned, and the outcome with its reasons. Read back from the bucket alone, so
 * it is checked with this schema like anything else read from outside.
 */

const text = (max = 4096) => z.string().max(max);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const seconds = z.number().nonnegative().max(1e10);

export const DRILL_PHASES = [
  'check',
  'download',
  'plan',
  'apply',
  'data',
  'readiness',
  'verify',
  'dataCheck',
  'cleanup',
] as const;
export type DrillPhaseName = (typeof DRILL_PHASES)[number];

/** The phases that make up the RTO: drill start → restored, verified and ready. */
export const RTO_PHASES: readonly DrillPhaseName[] = DRILL_PHASES.filter((p) => p !== 'cleanup');

export const PhaseSchema = z.object({
  name: z.enum(DRILL_PHASES),
  /** Milliseconds since the drill started. */
  startMs: count,
  endMs: count,
});
export type DrillPhase = z.infer<typeof PhaseSchema>;

export const FindingSchema = z.object({
  severity: z.enum(['blocking', 'warning', 'info']),
  code: text(128),
  message: text(),
  hint: text().optional(),
});

export const WorkloadSchema = z.object({
  kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet', 'Pod']),
  namespace: text(253),
  name: text(253),
  ready: z.boolean(),
  /** Why it is not ready: pod phases, conditions, container states, events. */
  reason: text(8192).optional(),
});
export type WorkloadReadiness = z.infer<typeof WorkloadSchema>;

export const VolumeCheckSchema = z.object({
  namespace: text(253),
  pod: text(253),
  volume: text(253),
  snapshotID: text(256),
  phase: text(64),
  /** Bytes the snapshot holds, as recorded at backup time. */
  bytesBackedUp: count.optional(),
  /** Bytes the node agent wrote back. */
  bytesRestored: count.optional(),
  /** The claim the volume mounts, when it is one. */
  pvc: text(253).optional(),
  /** The agent's re-read of the written volume: files re-hashed against the snapshot, and what differs. */
  checked: DataCheckSchema.optional(),
  ok: z.boolean(),
  reason: text().optional(),
});
export type VolumeCheck = z.infer<typeof VolumeCheckSchema>;

export const MismatchSchema = z.object({
  resource: text(253),
  namespace: text(253).optional(),
  name: text(253),
  problem: z.enum(['missing', 'different']),
  differences: z.array(text()).max(100),
});

export const CleanupSchema = z.object({
  /** `kept` when --keep left the restored objects for inspection. */
  mode: z.enum(['cleaned', 'kept', 'nothing']),
  /** What was deleted: `namespace/ns`, `<resource>/<name>`, `<resource>/<ns>/<name>`. */
  deleted: z.array(text(600)).max(100_000),
  /** What could not be deleted (still there), each with why. */
  left: z.array(text(1200)).max(100_000),
  /** Namespaces of the standby before the drill and after the clean-up (when compared). */
  namespacesBefore: z.array(text(253)).max(100_000).optional(),
  namespacesAfter: z.array(text(253)).max(100_000).optional(),
});
export type DrillCleanup = z.infer<typeof CleanupSchema>;

export const DrillReportSchema = z.object({
  apiVersion: z.literal('lifeboat.io/v1alpha1'),
  kind: z.literal('DrillReport'),
  name: text(253),
  cluster: text(63),
  /** The backup restored (absent when the drill stopped before one was chosen). */
  backup: text(253).optional(),
  backupStartTimestamp: text(64).optional(),
  location: text(253),
  standby: text(2048),
  startTimestamp: text(64),
  completionTimestamp: text(64),
  outcome: z.enum(['Passed', 'Failed']),
  reasons: z.array(text()).max(1000),
  objectives: z.object({ rtoSeconds: seconds.optional(), rpoSeconds: seconds.optional() }),
  /** Backup age at drill start. */
  rpoSeconds: seconds.optional(),
  /** Drill start → restored, verified and ready; absent when the drill never got there. */
  rtoSeconds: seconds.optional(),
  phases: z.array(PhaseSchema).max(64),
  restore: z
    .object({
      name: text(253),
      phase: text(64),
      created: count,
      updated: count,
      skipped: count,
      failed: count,
      errors: count,
      warnings: count,
      /** Size of the backup's tarball (what was downloaded). */
      archiveBytes: count.optional(),
      /** Bytes of pod volume data written back. */
      volumeBytes: count.optional(),
    })
    .optional(),
  findings: z.array(FindingSchema).max(10_000),
  workloads: z.array(WorkloadSchema).max(100_000),
  verify: z
    .object({
      ok: z.boolean(),
      checked: count,
      identical: count,
      mismatches: z.array(MismatchSchema).max(10_000),
    })
    .optional(),
  volumes: z.array(VolumeCheckSchema).max(100_000),
  cleanup: CleanupSchema,
  /** Set when the drill was stopped (SIGTERM, SIGINT) before it ended. */
  interrupted: z.boolean().optional(),
  /** Set when the drill lost the standby's lock midway (taken over, or expired unrenewed) and stopped. */
  lockLost: z
    .object({
      /** Who holds the lock now, when known. */
      holder: text(1024).optional(),
      /** When that holder took it. */
      since: text(64).optional(),
      /** When the drill found out and stopped. */
      noticedAt: text(64),
      message: text(),
    })
    .optional(),
});
export type DrillReport = z.infer<typeof DrillReportSchema>;
export type DrillOutcome = DrillReport['outcome'];
