// Use case: schedules — create, list, describe, pause, delete, and run a scheduled backup now.
// It must never keep its own timer; the server's scheduler loop decides when a schedule is due.
export { runScheduleBackup, runScheduleNow } from './schedule-run.ts';
export {
  backupsOfSchedule,
  type ClusterSlot,
  createSchedule,
  deleteSchedule,
  describeSchedules,
  findSchedule,
  formatRetention,
  listSchedules,
  parseRetention,
  type Schedule,
  scheduleLocation,
  type ScheduleStatus,
  setSchedulePaused,
  templateRequest,
} from './schedule.ts';
export { formatScheduleClusters, parseClustersFlag, scheduleTargets } from './schedule-targets.ts';
export {
  type ClusterScheduleRow,
  type ClusterScheduleState,
  clusterScheduleState,
  describeFleetSchedules,
  type DescribedSchedule,
  type FleetRpoState,
  managementTarget,
} from './schedule-clusters.ts';
