import type { DrillPhaseName, DrillReport } from './report.ts';

/** Words and numbers shared by the Markdown and HTML reports. */

export const PHASE_LABELS: Record<DrillPhaseName, string> = {
  check: 'standby check',
  download: 'download',
  plan: 'plan',
  apply: 'apply',
  data: 'volume data',
  readiness: 'readiness',
  verify: 'restore verify',
  dataCheck: 'data check',
  cleanup: 'clean-up',
};

export function secondsText(s: number | undefined): string {
  if (s === undefined) return '—';
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

export function bytesText(n: number | undefined): string {
  if (n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i] ?? ''}`;
}

/** The summary rows both reports open with. */
export function summaryRows(r: DrillReport): [string, string][] {
  const objective = (v: number | undefined) => (v === undefined ? '' : ` (objective ${secondsText(v)})`);
  const restore = r.restore;
  return [
    ['Outcome', r.outcome],
    ['Cluster', r.cluster],
    ['Backup', r.backup ?? '—'],
    ['Standby', r.standby],
    ['Location', r.location],
    ['Started', r.startTimestamp],
    ['Completed', r.completionTimestamp],
    [
      'RPO achieved (backup age at start)',
      `${secondsText(r.rpoSeconds)}${objective(r.objectives.rpoSeconds)}`,
    ],
    [
      'RTO achieved (start → verified and ready)',
      `${secondsText(r.rtoSeconds)}${objective(r.objectives.rtoSeconds)}`,
    ],
    [
      'Objects restored',
      restore === undefined
        ? 'nothing restored'
        : `${restore.created} created, ${restore.updated} updated, ${restore.skipped} skipped, ${restore.failed} failed (restore ${restore.name}, ${restore.phase})`,
    ],
    [
      'Bytes restored',
      restore === undefined
        ? '—'
        : `${bytesText(restore.archiveBytes)} of backup archive, ${bytesText(restore.volumeBytes)} of volume data`,
    ],
    ...(r.lockLost === undefined
      ? []
      : [['Standby lock', `lost at ${r.lockLost.noticedAt}: ${r.lockLost.message}`] as [string, string]]),
    [
      'Standby after the drill',
      r.cleanup.mode === 'kept'
        ? `kept as restored (--keep): ${r.cleanup.left.length} object(s) left, see Clean-up`
        : r.cleanup.left.length === 0
          ? `as before (${r.cleanup.deleted.length} object(s) deleted)`
          : `${r.cleanup.left.length} object(s) left: see Clean-up`,
    ],
  ];
}

/** A volume as both reports name it: the pod's volume, and its claim when it mounts one. */
export function volumeLabel(v: DrillReport['volumes'][number]): string {
  return `${v.namespace}/${v.pod}/${v.volume}${v.pvc === undefined ? '' : ` (PVC ${v.pvc})`}`;
}

/** What the node agent re-read of a volume: files, bytes and how many paths differ. */
export function rehashed(v: DrillReport['volumes'][number]): string {
  const c = v.checked;
  if (c === undefined) return '—';
  return `${c.files} files, ${c.bytes} bytes: ${c.mismatchCount === 0 ? 'all match' : `${c.mismatchCount} differ (${c.mismatches.map((m) => m.path).join(', ')})`}`;
}
