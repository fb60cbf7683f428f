import type { DrillReport, DrillSummary, Evidence } from '../app/drill/index.ts';
import type { Column } from '../output/index.ts';

const secs = (s: number | undefined) => (s === undefined ? '—' : `${s.toFixed(1)} s`);

export const DRILL_COLUMNS: Column<DrillSummary>[] = [
  { header: 'NAME', value: (d) => d.name },
  { header: 'CLUSTER', value: (d) => d.cluster },
  { header: 'BACKUP', value: (d) => d.backup ?? '—' },
  { header: 'OUTCOME', value: (d) => d.outcome },
  { header: 'RTO', value: (d) => secs(d.rtoSeconds), align: 'right' },
  { header: 'RPO', value: (d) => secs(d.rpoSeconds), align: 'right' },
  { header: 'STARTED', value: (d) => d.started },
  {
    header: 'EVIDENCE',
    value: (d) => (d.problem !== undefined ? `unreadable: ${d.problem}` : d.intact ? 'intact' : 'ALTERED'),
  },
];

/** The drill's result as text: outcome, measures, reasons, where the evidence is. */
export function drillText(r: DrillReport): string {
  const lines = [
    `Drill "${r.name}" ${r.outcome}: cluster ${r.cluster}, backup ${r.backup ?? '—'}, standby ${r.standby}.`,
    `  RPO achieved: ${secs(r.rpoSeconds)}${r.objectives.rpoSeconds === undefined ? '' : ` (objective ${r.objectives.rpoSeconds} s)`}`,
    `  RTO achieved: ${secs(r.rtoSeconds)}${r.objectives.rtoSeconds === undefined ? '' : ` (objective ${r.objectives.rtoSeconds} s)`}`,
    `  phases: ${r.phases.map((p) => `${p.name} ${((p.endMs - p.startMs) / 1000).toFixed(1)} s`).join(', ') || 'none'}`,
  ];
  if (r.restore)
    lines.push(
      `  restore ${r.restore.name} ${r.restore.phase}: ${r.restore.created} created, ${r.restore.skipped} skipped, ${r.restore.failed} failed; ${r.restore.archiveBytes ?? 0} archive bytes, ${r.restore.volumeBytes ?? 0} volume bytes`,
    );
  const notReady = r.workloads.filter((w) => !w.ready);
  lines.push(`  workloads ready: ${r.workloads.length - notReady.length}/${r.workloads.length}`);
  for (const w of notReady) lines.push(`    NOT READY ${w.kind} ${w.namespace}/${w.name}: ${w.reason ?? ''}`);
  if (r.verify) lines.push(`  restore verify: ${r.verify.identical}/${r.verify.checked} identical`);
  if (r.volumes.length > 0)
    lines.push(
      `  volume data: ${r.volumes.filter((v) => v.ok).length}/${r.volumes.length} volumes match their snapshots`,
    );
  for (const v of r.volumes)
    lines.push(
      `    ${v.ok ? 'ok' : 'MISMATCH'} ${v.namespace}/${v.pod}/${v.volume}${v.pvc === undefined ? '' : ` (PVC ${v.pvc})`}: ${v.checked === undefined ? 'not re-read' : `${v.checked.files} files, ${v.checked.bytes} bytes re-hashed`}${v.ok ? '' : `: ${v.reason ?? ''}`}`,
    );
  for (const f of r.findings.filter((x) => x.severity === 'blocking'))
    lines.push(`  BLOCKING ${f.code}: ${f.message}`);
  lines.push(
    `  standby: ${r.cleanup.mode === 'kept' ? 'kept as restored (--keep)' : r.cleanup.mode === 'nothing' ? 'nothing was restored' : `${r.cleanup.deleted.length} object(s) deleted, ${r.cleanup.left.length} left`}`,
  );
  for (const l of r.cleanup.left) lines.push(`    LEFT ${l}`);
  for (const reason of r.reasons) lines.push(`  reason: ${reason}`);
  lines.push(
    `Evidence: restores/${r.name}/ (lifeboat drill report ${r.name} --cluster ${r.cluster} -o html).`,
  );
  return `${lines.join('\n')}\n`;
}

/** `drill describe`: the report's text plus whether each artefact still matches the manifest. */
export function describeText(e: Evidence): string {
  const integrity = e.integrity.files.map((f) => `  ${f.name}: ${f.status}`).join('\n');
  return (
    drillText(e.report) +
    `Evidence ${e.integrity.ok ? 'intact' : 'ALTERED'}: sha256 of each artefact against ${e.report.name}-drill-checksums.json\n${integrity}\n`
  );
}
