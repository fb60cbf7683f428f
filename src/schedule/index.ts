// Schedules: cron parsing, the next due time, retention (what to keep, what to delete) and RPO.
// Pure logic: it must never run a backup or read a store.
export { type CronSchedule } from './cron.ts';
export { CronSlots, type SlotPass, type SlotSchedule } from './cron-slots.ts';
export { clusterScheduleBackupName, fnv32, parseScheduleBackupName, scheduleBackupName } from './naming.ts';
export { formatRetention, parseRetention, type RetentionDecision, selectRetention } from './retention.ts';
export { catchUpDue, type RpoState } from './rpo.ts';
export { scheduleCron, scheduleStatus, type ScheduleStatus } from './status.ts';
