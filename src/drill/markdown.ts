import { PHASE_LABELS, rehashed, secondsText, summaryRows, volumeLabel } from './format.ts';
import type { DrillReport } from './report.ts';

/** Markdown-safe table cell: pipes, newlines and HTML are escaped. */
function cell(s: string): string {
  return s.replace(/[\\|*_`<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** The drill's human report as Markdown (`<name>-drill.md`). */
export function renderDrillMarkdown(r: DrillReport): string {
  const out: string[] = [`# DR drill ${cell(r.name)}: ${r.outcome}`, ''];
  if (r.reasons.length > 0) {
    out.push('## Why it failed', '');
    for (const reason of r.reasons) out.push(`- ${cell(reason)}`);
    out.push('');
  }
  out.push('## Summary', '', '| | |', '|---|---|');
  for (const [k, v] of summaryRows(r)) out.push(`| ${cell(k)} | ${cell(v)} |`);
  out.push('', '## Timeline', '', '| Phase | Start | Duration |', '|---|---:|---:|');
  for (const p of r.phases)
    out.push(
      `| ${PHASE_LABELS[p.name]} | +${secondsText(p.startMs / 1000)} | ${secondsText((p.endMs - p.startMs) / 1000)} |`,
    );
  if (r.findings.length > 0) {
    out.push('', '## Standby check', '', '| Severity | Code | Finding |', '|---|---|---|');
    for (const f of r.findings) out.push(`| ${f.severity} | ${cell(f.code)} | ${cell(f.message)} |`);
  }
  if (r.workloads.length > 0) {
    out.push('', '## Workloads', '', '| Workload | Ready | Why not |', '|---|---|---|');
    for (const w of r.workloads)
      out.push(
        `| ${w.kind} ${cell(`${w.namespace}/${w.name}`)} | ${w.ready ? 'yes' : '**no**'} | ${cell(w.reason ?? '')} |`,
      );
  }
  if (r.verify !== undefined) {
    out.push(
      '',
      '## Restore verify',
      '',
      `${r.verify.identical} of ${r.verify.checked} object(s) identical to the backup.`,
    );
    for (const m of r.verify.mismatches)
      out.push(
        `- ${cell(`${m.resource} ${m.namespace ? `${m.namespace}/` : ''}${m.name}`)}: ${m.problem} ${cell(m.differences.join('; '))}`,
      );
  }
  if (r.volumes.length > 0) {
    out.push(
      '',
      '## Volume data',
      '',
      '| Volume | Snapshot | Backed up | Restored | Re-hashed | Check |',
      '|---|---|---:|---:|---|---|',
    );
    for (const v of r.volumes)
      out.push(
        `| ${cell(volumeLabel(v))} | ${cell(v.snapshotID)} | ${v.bytesBackedUp ?? '—'} | ${v.bytesRestored ?? '—'} | ${cell(rehashed(v))} | ${v.ok ? 'ok' : `**${cell(v.reason ?? 'failed')}**`} |`,
      );
  }
  out.push(
    '',
    '## Clean-up',
    '',
    `Mode: ${r.cleanup.mode}; ${r.cleanup.deleted.length} deleted, ${r.cleanup.left.length} left.`,
  );
  for (const l of r.cleanup.left) out.push(`- left: ${cell(l)}`);
  out.push(
    '',
    `_Evidence written by lifeboat; the checksum manifest beside this file covers every artefact._`,
    '',
  );
  return out.join('\n');
}
