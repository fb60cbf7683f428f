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
