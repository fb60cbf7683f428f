import { type Column, formatBytes } from '../output/index.ts';
import type { RepoProgress, SnapshotRow, SnapshotVerification } from '../app/repo/index.ts';

/** The columns of `repo snapshots`. */
export const SNAPSHOT_COLUMNS: readonly Column<SnapshotRow>[] = [
  { header: 'namespace', value: (r) => r.namespace },
  { header: 'id', value: (r) => r.id },
  { header: 'source', value: (r) => r.source },
  {
    header: 'start time',
    value: (r) => r.startTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
  },
  { header: 'size', value: (r) => formatBytes(r.size), align: 'right' },
  { header: 'files', value: (r) => r.files, align: 'right' },
  {
    header: 'description',
    value: (r) => (r.incomplete ? `(incomplete: ${r.incomplete}) ` : '') + r.description,
  },
];

/** m:ss or h:mm:ss. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The progress line of a snapshot, restore or verify: files, bytes, throughput and (with totals) ETA. */
export function progressLine(verb: string, p: RepoProgress, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? p.bytes / seconds : 0;
  const files = p.totalFiles !== undefined ? `${p.files}/${p.totalFiles} files` : `${p.files} files`;
  const bytes =
    p.totalBytes !== undefined
      ? `${formatBytes(p.bytes)}/${formatBytes(p.totalBytes)}`
      : formatBytes(p.bytes);
  const parts = [verb, files, bytes, `${formatBytes(rate)}/s`];
  if (p.uploadedBytes !== undefined) parts.push(`${formatBytes(p.uploadedBytes)} uploaded`);
  if (p.totalBytes !== undefined && rate > 0 && p.totalBytes >= p.bytes)
    parts.push(`ETA ${clock((p.totalBytes - p.bytes) / rate)}`);
  return parts.join('  ');
}

/** The text report of `repo verify`: one line a snapshot, then every problem. */
export function verifyText(results: readonly SnapshotVerification[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const what =
      r.id === '' ? `repository of namespace ${r.namespace}` : `${r.namespace} ${r.id} ${r.source}`;
    lines.push(`${r.problems.length === 0 ? 'OK    ' : 'FAILED'} ${what}`);
    for (const p of r.problems)
      lines.push(
        `  ${p.path === '' ? '' : `${p.path}: `}${p.message}${p.contentId ? ` (content ${p.contentId})` : ''}`,
      );
  }
  const failed = results.filter((r) => r.problems.length > 0).length;
  lines.push(
    results.length === 0
      ? 'No snapshots to verify.'
      : failed === 0
        ? `${results.length} snapshot(s) verified.`
        : `${failed} of ${results.length} failed verification.`,
  );
  return `${lines.join('\n')}\n`;
}
