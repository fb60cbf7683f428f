import { type DrillPhase, type DrillReport, RTO_PHASES } from './report.ts';

/** The facts the outcome is decided from (the report without its outcome). */
export type DrillFacts = Omit<DrillReport, 'outcome' | 'reasons' | 'rtoSeconds'> & {
  error?: string | undefined;
};

/**
 * Start → the end of the last RTO phase, when the drill got through restore, readiness and
 * verification; undefined when it stopped before (a blocked or interrupted drill has no RTO).
 */
export function rtoSeconds(phases: readonly DrillPhase[], reached: boolean): number | undefined {
  if (!reached) return undefined;
  const ends = phases.filter((p) => RTO_PHASES.includes(p.name)).map((p) => p.endMs);
  return ends.length === 0 ? undefined : Math.max(...ends) / 1000;
}

/** Every reason the drill failed, in the order a reader checks them; none means Passed. */
export function failureReasons(facts: DrillFacts, rto: number | undefined): string[] {
  const out: string[] = [];
  if (facts.error !== undefined) out.push(facts.error);
  if (facts.lockLost !== undefined)
    out.push(`${facts.lockLost.message}; the drill stopped at ${facts.lockLost.noticedAt}`);
  if (facts.interrupted === true) out.push('the drill was interrupted before it ended');
  const blocking = facts.findings.filter((f) => f.severity === 'blocking');
  if (blocking.length > 0)
    out.push(
      `the standby check found ${blocking.length} blocking finding(s): ${blocking.map((f) => f.code).join(', ')}`,
    );
  const r = facts.restore;
  if (r !== undefined && r.phase !== 'Completed')
    out.push(`restore ${r.name} ended ${r.phase} (${r.errors} error(s), ${r.failed} failed item(s))`);
  const notReady = facts.workloads.filter((w) => !w.ready);
  if (notReady.length > 0)
    out.push(
      `${notReady.length} workload(s) not ready: ${notReady.map((w) => `${w.kind} ${w.namespace}/${w.name}`).join(', ')}`,
    );
  if (facts.verify !== undefined && !facts.verify.ok)
    out.push(`restore verify found ${facts.verify.mismatches.length} object(s) missing or different`);
  const badVolumes = facts.volumes.filter((v) => !v.ok);
  if (badVolumes.length > 0)
    out.push(
      capped(
        `volume data check failed for ${badVolumes.map((v) => `${volumeName(v)}${v.reason === undefined ? '' : ` (${v.reason})`}`).join(', ')}`,
      ),
    );
  const { rtoSeconds: rtoObjective, rpoSeconds: rpoObjective } = facts.objectives;
  if (rtoObjective !== undefined && rto !== undefined && rto > rtoObjective)
    out.push(`RTO ${rto.toFixed(1)} s exceeds the objective of ${rtoObjective} s`);
  if (rpoObjective !== undefined && facts.rpoSeconds !== undefined && facts.rpoSeconds > rpoObjective)
    out.push(`RPO ${facts.rpoSeconds.toFixed(0)} s (backup age) exceeds the objective of ${rpoObjective} s`);
  return out;
}

/** The report with its RTO, outcome and reasons decided from the facts. */
export function decideOutcome(facts: DrillFacts, reachedReady: boolean): DrillReport {
  const { error: _error, ...rest } = facts;
  const rto = rtoSeconds(facts.phases, reachedReady);
  const reasons = failureReasons(facts, rto);
  const report: DrillReport = { ...rest, outcome: reasons.length === 0 ? 'Passed' : 'Failed', reasons };
  if (rto !== undefined) report.rtoSeconds = rto;
  return report;
}

/** A checked volume as the reasons name it: its claim when it has one, and always the pod's volume. */
function volumeName(v: DrillFacts['volumes'][number]): string {
  return `${v.pvc === undefined ? '' : `PVC ${v.namespace}/${v.pvc}, `}${v.namespace}/${v.pod}/${v.volume}`;
}

/** A reason within the report's bound on one text (4096). */
function capped(text: string): string {
  return text.length <= 4000 ? text : `${text.slice(0, 4000)}…`;
}
