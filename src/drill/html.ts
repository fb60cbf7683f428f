import { PHASE_LABELS, rehashed, secondsText, summaryRows, volumeLabel } from './format.ts';
import type { DrillPhase, DrillReport } from './report.ts';

/**
 * The drill's human report as one self-contained HTML page (`<name>-drill.html`): inline CSS, an
 * inline SVG timeline, no script and no external origin (its CSP says so too), so it opens from
 * the bucket in any browser and can be archived as evidence as it is.
 */

const ESCAPES = new Map([
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
  ['"', '&quot;'],
  ["'", '&#39;'],
]);
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES.get(c) ?? c);
}

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2330;background:#fff}
h1{font-size:1.6rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid #d6dae3;padding-bottom:.2rem}
.badge{display:inline-block;padding:.1rem .6rem;border-radius:.3rem;color:#fff;font-weight:600}
.Passed{background:#1a7f37}.Failed{background:#b42318}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e6e8ee;vertical-align:top}
th{background:#f4f6f9;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.no{color:#b42318;font-weight:600}.yes{color:#1a7f37}ul.reasons li{color:#b42318}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}.muted{color:#5b6475}
`;

const COLORS: Record<DrillPhase['name'], string> = {
  check: '#6e7781',
  download: '#0969da',
  plan: '#8250df',
  apply: '#1f883d',
  data: '#bf8700',
  readiness: '#cf222e',
  verify: '#0a7ea4',
  dataCheck: '#9a6700',
  cleanup: '#8c959f',
};

/** A horizontal bar per phase on a common time axis, with its duration. */
export function timelineSvg(phases: readonly DrillPhase[]): string {
  const width = 760;
  const left = 130;
  const row = 26;
  const total = Math.max(1, ...phases.map((p) => p.endMs));
  const scale = (ms: number) => left + ((width - left - 80) * ms) / total;
  const height = row * phases.length + 30;
  const bars = phases.map((p, i) => {
    const y = 8 + i * row;
    const x = scale(p.startMs);
    const w = Math.max(2, scale(p.endMs) - x);
    const label = esc(PHASE_LABELS[p.name]);
    return (
      `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${label}</text>` +
      `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="18" rx="3" fill="${COLORS[p.name]}"><title>${label}: ${esc(secondsText((p.endMs - p.startMs) / 1000))}</title></rect>` +
      `<text x="${(x + w + 6).toFixed(1)}" y="${y + 14}">${esc(secondsText((p.endMs - p.startMs) / 1000))}</text>`
    );
  });
  const axisY = height - 8;
  return (
    `<svg role="img" aria-labelledby="timeline-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<title id="timeline-title">Drill timeline: each phase on a common time axis</title>` +
    bars.join('') +
    `<line x1="${left}" y1="${axisY - 8}" x2="${width - 80}" y2="${axisY - 8}" stroke="#8c959f"/>` +
    `<text x="${left}" y="${axisY + 2}">0 s</text><text x="${width - 80}" y="${axisY + 2}" text-anchor="end">${esc(secondsText(total / 1000))}</text>` +
    `</svg>`
  );
}

function table(headers: string[], rows: string[][], numeric: number[] = []): string {
  const head = headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function sections(r: DrillReport): string[] {
  const out: string[] = [];
  if (r.findings.length > 0)
    out.push(
      '<h2>Standby check</h2>',
      table(
        ['Severity', 'Code', 'Finding'],
        r.findings.map((f) => [esc(f.severity), esc(f.code), esc(f.message)]),
      ),
    );
  if (r.workloads.length > 0)
    out.push(
      '<h2>Workloads</h2>',
      table(
        ['Workload', 'Ready', 'Why not'],
        r.workloads.map((w) => [
          esc(`${w.kind} ${w.namespace}/${w.name}`),
          w.ready ? '<span class="yes">yes</span>' : '<span class="no">no</span>',
          esc(w.reason ?? ''),
        ]),
      ),
    );
  if (r.verify !== undefined)
    out.push(
      '<h2>Restore verify</h2>',
      `<p>${r.verify.identical} of ${r.verify.checked} object(s) identical to the backup.</p>`,
      r.verify.mismatches.length === 0
        ? ''
        : `<ul>${r.verify.mismatches.map((m) => `<li>${esc(`${m.resource} ${m.namespace ? `${m.namespace}/` : ''}${m.name}: ${m.problem} ${m.differences.join('; ')}`)}</li>`).join('')}</ul>`,
    );
  if (r.volumes.length > 0)
    out.push(
      '<h2>Volume data</h2>',
      table(
        ['Volume', 'Snapshot', 'Backed up (bytes)', 'Restored (bytes)', 'Re-hashed', 'Check'],
        r.volumes.map((v) => [
          esc(volumeLabel(v)),
          esc(v.snapshotID),
          String(v.bytesBackedUp ?? '—'),
          String(v.bytesRestored ?? '—'),
          esc(rehashed(v)),
          v.ok ? '<span class="yes">ok</span>' : `<span class="no">${esc(v.reason ?? 'failed')}</span>`,
        ]),
        [2, 3],
      ),
    );
  out.push(
    '<h2>Clean-up</h2>',
    `<p>Mode: ${esc(r.cleanup.mode)}; ${r.cleanup.deleted.length} deleted, ${r.cleanup.left.length} left.</p>`,
    r.cleanup.left.length === 0 ? '' : `<ul>${r.cleanup.left.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`,
  );
  return out;
}

export function renderDrillHtml(r: DrillReport): string {
  const reasons =
    r.reasons.length === 0
      ? ''
      : `<h2>Why it failed</h2><ul class="reasons">${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`;
  const summary = table(
    ['', ''],
    summaryRows(r).map(([k, v]) => [esc(k), esc(v)]),
  );
  const timeline = table(
    ['Phase', 'Start', 'Duration'],
    r.phases.map((p) => [
      esc(PHASE_LABELS[p.name]),
      `+${esc(secondsText(p.startMs / 1000))}`,
      esc(secondsText((p.endMs - p.startMs) / 1000)),
    ]),
    [1, 2],
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>DR drill ${esc(r.name)}: ${r.outcome}</title>`,
    `<style>${CSS}</style></head><body><main>`,
    `<h1>DR drill ${esc(r.name)} <span class="badge ${r.outcome}">${r.outcome}</span></h1>`,
    `<p class="muted">Cluster ${esc(r.cluster)} restored into ${esc(r.standby)} from backup ${esc(r.backup ?? '—')}.</p>`,
    reasons,
    '<h2>Summary</h2>',
    summary,
    '<h2>Timeline</h2>',
    r.phases.length === 0 ? '<p>No phase ran.</p>' : timelineSvg(r.phases),
    timeline,
    ...sections(r),
    '<p class="muted">Evidence written by lifeboat; the checksum manifest beside this file covers every artefact.</p>',
    '</main></body></html>',
    '',
  ].join('\n');
}
