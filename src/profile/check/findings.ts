import { type Finding as CheckFinding, listSome, sortFindings } from '../../results/index.ts';

/** A profile comparison blocks a restore, warns or informs; it never reports an item's error. */
export type Severity = 'blocking' | 'warning' | 'info';

/** One result of comparing a source with a restore target (results' Finding): every one says what to do. */
export type Finding = CheckFinding<string, Severity> & { hint: string };

export { listSome, sortFindings };

export function finding(severity: Severity, code: string, message: string, hint: string): Finding {
  return { severity, code, message, hint };
}
