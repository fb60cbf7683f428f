/**
 * How much a finding matters: `blocking` (the restore should not start: a standby check), `error`
 * (items will fail: restore pre-flight), `warning`, `info`.
 */
export type Severity = 'blocking' | 'error' | 'warning' | 'info';

/**
 * One thing a check found, and what to do about it: restore pre-flight (what the target lacks for a
 * plan) and standby drift (what a standby lacks for a backup) both say it this way. A check narrows
 * the codes and severities it uses.
 */
export interface Finding<Code extends string = string, S extends Severity = Severity> {
  /** Stable identifier: STORAGE_CLASS_MISSING (standby check), storage-class-missing (pre-flight). */
  code: Code;
  severity: S;
  message: string;
  hint?: string;
  /** How many items are concerned, when counted. */
  items?: number;
  /** Each object concerned, when the operator must see them all (refused, cluster-scoped). */
  objects?: string[];
}

const ORDER: Record<Severity, number> = { blocking: 0, error: 1, warning: 2, info: 3 };

/** Blocking first, then errors, warnings, info; stable within a severity. */
export function sortFindings<F extends Finding>(findings: readonly F[]): F[] {
  return [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

/** "a, b, c and 4 more" */
export function listSome(values: readonly string[], max = 5): string {
  if (values.length <= max) return values.join(', ');
  return `${values.slice(0, max).join(', ')} and ${values.length - max} more`;
}
