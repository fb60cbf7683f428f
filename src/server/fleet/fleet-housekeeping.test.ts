import { describe, expect, it } from 'vitest';
import { ScheduleSchema } from '../../config/index.ts';
import { clusterScheduleBackupName } from '../../schedule/index.ts';
import { slotSchedule } from './fleet-housekeeping.ts';

const schedules = ['nightly', 'nightly-prod', 'a-very-long-schedule-name-that-needs-cutting-down'].map(
  (name) => ScheduleSchema.parse({ name, schedule: '0 1 * * *' }),
);
const due = new Date('2026-03-04T01:00:00Z');

describe('the schedule of a cluster slot’s backup name', () => {
  it('is the schedule whose slot name it is, for that cluster only', () => {
    expect(slotSchedule(schedules, 'prod-a', clusterScheduleBackupName('nightly', 'prod-a', due))?.name).toBe(
      'nightly',
    );
    expect(slotSchedule(schedules, 'a', clusterScheduleBackupName('nightly-prod', 'a', due))?.name).toBe(
      'nightly-prod',
    );
    expect(
      slotSchedule(schedules, 'prod-b', clusterScheduleBackupName('nightly', 'prod-a', due)),
    ).toBeUndefined();
    expect(slotSchedule(schedules, 'prod-a', 'nightly-prod-a-latest')).toBeUndefined();
  });

  it('is found for a name cut to 63 characters and ended with a hash', () => {
    const long = 'a-very-long-schedule-name-that-needs-cutting-down';
    const name = clusterScheduleBackupName(long, 'workload-cluster-of-site-b', due);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(slotSchedule(schedules, 'workload-cluster-of-site-b', name)?.name).toBe(long);
  });
});
