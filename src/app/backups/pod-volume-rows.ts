import { parsePodVolumeBackup } from '../../model/index.ts';

/** One pod volume of a backup, as `backup describe` shows it. */
export interface PodVolumeRow {
  namespace: string;
  pod: string;
  volume: string;
  phase: string;
  /** Bytes of the volume (the snapshot's size). */
  bytes: number;
  /** Bytes uploaded (the rest was already in the repository). */
  uploadedBytes: number | undefined;
  snapshotID: string;
  node: string;
  message: string;
}

const MAX_ROWS = 100_000;

/** The rows of a backup's `-podvolumebackups.json.gz` (null, absent or unreadable entries give none). */
export function podVolumeRows(file: unknown): PodVolumeRow[] {
  if (!Array.isArray(file)) return [];
  const rows: PodVolumeRow[] = [];
  for (const entry of file.slice(0, MAX_ROWS)) {
    let pvb;
    try {
      pvb = parsePodVolumeBackup(entry);
    } catch {
      continue;
    }
    rows.push({
      namespace: pvb.spec.pod.namespace ?? '',
      pod: pvb.spec.pod.name ?? '',
      volume: pvb.spec.volume,
      phase: pvb.status?.phase ?? 'unknown',
      bytes: pvb.status?.progress?.totalBytes ?? 0,
      uploadedBytes: pvb.status?.incrementalBytes,
      snapshotID: pvb.status?.snapshotID ?? '',
      node: pvb.spec.node,
      message: pvb.status?.message ?? '',
    });
  }
  return rows.sort(
    (a, b) =>
      a.namespace.localeCompare(b.namespace) ||
      a.pod.localeCompare(b.pod) ||
      a.volume.localeCompare(b.volume),
  );
}
