import type { PodVolumeRow } from '../app/backups/index.ts';
import { type Column, formatBytes, renderTable } from '../output/index.ts';

const COLUMNS: Column<PodVolumeRow>[] = [
  { header: 'VOLUME', value: (r) => `${r.namespace}/${r.pod}/${r.volume}` },
  { header: 'PHASE', value: (r) => r.phase },
  { header: 'BYTES', value: (r) => formatBytes(r.bytes), align: 'right' },
  {
    header: 'UPLOADED',
    value: (r) => (r.uploadedBytes === undefined ? '' : formatBytes(r.uploadedBytes)),
    align: 'right',
  },
  { header: 'SNAPSHOT', value: (r) => r.snapshotID },
  { header: 'NODE', value: (r) => r.node },
  { header: 'MESSAGE', value: (r) => r.message },
];

/** `backup describe`'s pod volume section: a count by phase, and with --details one row per volume. */
export function podVolumeLines(rows: readonly PodVolumeRow[], details: boolean): string[] {
  if (rows.length === 0) return [];
  const byPhase = new Map<string, number>();
  for (const r of rows) byPhase.set(r.phase, (byPhase.get(r.phase) ?? 0) + 1);
  const counts = [...byPhase].map(([phase, n]) => `${n} ${phase}`).join(', ');
  const lines = ['', `Pod volumes (file-system backup): ${rows.length} (${counts})`];
  if (details)
    lines.push(
      ...renderTable(rows, COLUMNS)
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
  else {
    for (const r of rows.filter((x) => x.phase !== 'Completed').slice(0, 20))
      lines.push(`  ${r.namespace}/${r.pod}/${r.volume}: ${r.phase} ${r.message}`.trimEnd());
    lines.push('  (use --details for every volume)');
  }
  return lines;
}
