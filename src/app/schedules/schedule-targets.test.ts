import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../errors/index.ts';
import { clusterScheduleBackupName } from '../../schedule/index.ts';
import { formatScheduleClusters, parseClustersFlag, scheduleTargets } from './schedule-targets.ts';

const fleet: { name: string; labels: Record<string, string> }[] = [
  { name: 'prod-a', labels: { env: 'prod', tier: 'gold' } },
  { name: 'prod-b', labels: { env: 'prod' } },
  { name: 'dev', labels: { env: 'dev' } },
];

describe('schedule targets', () => {
  it('reads --clusters as names, or as a label selector when it has an operator', () => {
    expect(parseClustersFlag('prod-a, prod-b,prod-a')).toEqual({ names: ['prod-a', 'prod-b'] });
    expect(parseClustersFlag('env=prod')).toEqual({ selector: 'env=prod' });
    expect(parseClustersFlag('env in (prod,dev),!legacy')).toEqual({ selector: 'env in (prod,dev),!legacy' });
    expect(() => parseClustersFlag('Prod_A')).toThrow(LifeboatError);
    expect(() => parseClustersFlag(' ')).toThrow(/empty/);
    expect(formatScheduleClusters({ selector: 'env=prod' })).toBe('selector: env=prod');
  });

  it('selects clusters by name or by label, and none for a schedule of the server’s own cluster', () => {
    const names = (t: { name: string }[] | undefined) => t?.map((c) => c.name);
    expect(names(scheduleTargets({ clusters: { selector: 'env=prod' } }, fleet))).toEqual([
      'prod-a',
      'prod-b',
    ]);
    expect(names(scheduleTargets({ clusters: { selector: 'tier!=gold' } }, fleet))).toEqual([
      'prod-b',
      'dev',
    ]);
    expect(names(scheduleTargets({ clusters: { names: ['dev', 'gone'] } }, fleet))).toEqual(['dev']);
    expect(scheduleTargets({}, fleet)).toBeUndefined();
  });

  it('names each cluster’s slot <schedule>-<cluster>-<due>, Velero-valid and unique when cut', () => {
    const due = new Date('2026-12-07T03:04:20.700Z');
    expect(clusterScheduleBackupName('nightly', 'prod-a', due)).toBe('nightly-prod-a-20261207030420');
    const long = 'a'.repeat(40);
    const one = clusterScheduleBackupName(long, 'cluster-one-of-many', due);
    const two = clusterScheduleBackupName(long, 'cluster-two-of-many', due);
    for (const n of [one, two]) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(n.endsWith('-20261207030420')).toBe(true);
    }
    expect(one).not.toBe(two);
    expect(clusterScheduleBackupName(long, 'cluster-one-of-many', due)).toBe(one);
  });
});
