import type { PreflightFinding, RestorePlan } from '../../restore/index.ts';

/** A pre-flight finding as `restore create` prints it: the finding's code under the key `kind`, as it always was. */
export type PrintedFinding = Omit<PreflightFinding, 'code'> & { kind: PreflightFinding['code'] };

/** The plan as a restore's result carries it to the CLI and the JSON output. */
export type PrintedPlan = Omit<RestorePlan, 'findings'> & { findings: PrintedFinding[] };

export function printedPlan(plan: RestorePlan): PrintedPlan {
  return { ...plan, findings: plan.findings.map(({ code, ...rest }) => ({ kind: code, ...rest })) };
}
