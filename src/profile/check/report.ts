import type { Finding } from './findings.ts';

/** Findings as aligned text, blocking first, each followed by its hint. */
export function renderFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings.\n';
  const sev = Math.max(...findings.map((f) => f.severity.length));
  const code = Math.max(...findings.map((f) => f.code.length));
  const pad = ' '.repeat(sev + code + 4);
  return findings
    .map(
      (f) =>
        `${f.severity.toUpperCase().padEnd(sev)}  ${f.code.padEnd(code)}  ${f.message}\n${pad}hint: ${f.hint}\n`,
    )
    .join('');
}
