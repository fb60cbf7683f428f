/**
 * Names of scheduled backups, Velero's form: `<schedule>-<yyyyMMddHHmmss>` in UTC
 * (Schedule.TimestampedName; the CLI's --from-schedule uses time.Now().UTC()).
 */

/** A schedule name: a DNS-1123 label, so that it is also a valid `velero.io/schedule-name` label value. */
export const SCHEDULE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const SCHEDULE_NAME_MAX = 63;

export function scheduleBackupName(schedule: string, at: Date): string {
  const iso = at.toISOString(); // 2025-01-02T03:04:05.678Z
  const stamp = iso.slice(0, 19).replace(/[-T:]/g, '');
  return `${schedule}-${stamp}`;
}

/** The time encoded in a scheduled backup's name, when it has the schedule's form. */
export function parseScheduleBackupName(schedule: string, name: string): Date | undefined {
  if (!name.startsWith(`${schedule}-`)) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(name.slice(schedule.length + 1));
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return scheduleBackupName(schedule, date) === name ? date : undefined;
}

/** Velero's limit on a backup name used as a label value. */
const BACKUP_NAME_MAX = 63;
/** `-yyyyMMddHHmmss`. */
const STAMP_LENGTH = 15;

/**
 * The backup of one cluster's slot of a schedule: `<schedule>-<cluster>-<yyyyMMddHHmmss>` at the
 * slot's due time (UTC), so every replica knows a slot's name in advance and two never write one
 * slot twice. Longer than 63 characters, the `<schedule>-<cluster>` part is cut and ends with a
 * hash of both names, so it stays unique per (schedule, cluster) and Velero-valid.
 */
export function clusterScheduleBackupName(schedule: string, cluster: string, due: Date): string {
  const base = `${schedule}-${cluster}`;
  const room = BACKUP_NAME_MAX - STAMP_LENGTH;
  const head =
    base.length <= room
      ? base
      : `${base.slice(0, room - 9).replace(/-+$/, '')}-${fnv32(`${schedule}/${cluster}`)}`;
  return scheduleBackupName(head, due);
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable tag for a cut name (not a secret). */
export function fnv32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
