/** One result of comparing a source with a restore target. Every finding says what to do. */
export type Severity = 'blocking' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  /** Stable identifier, e.g. STORAGE_CLASS_MISSING. */
  code: string;
  message: string;
  hint: string;
}

const ORDER: Record<Severity, number> = { blocking: 0, warning: 1, info: 2 };

/** Blocking first, then warnings, then info; stable within a severity. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

export function finding(severity: Severity, code: string, message: string, hint: string): Finding {
  return { severity, code, message, hint };
}

/** "a, b, c and 4 more" */
export function listSome(values: readonly string[], max = 5): string {
  if (values.length <= max) return values.join(', ');
  return `${values.slice(0, max).join(', ')} and ${values.length - max} more`;
}
