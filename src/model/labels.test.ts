import { describe, expect, it } from 'vitest';
import { firstReservedLabel, reservedLabelReason } from './labels.ts';

describe('reserved backup labels', () => {
  it.each([
    'velero.io/schedule-name',
    'velero.io/storage-location',
    'velero.io/source-cluster-k8s-gitversion',
    'velero.io/anything-new',
    'Velero.IO/schedule-name',
    'VELERO.IO/SCHEDULE-NAME',
    'backup.velero.io/backup-volumes',
    'lifeboat.io/cluster-uid',
    'Lifeboat.io/cluster-uid',
    'x.lifeboat.io/y',
  ])('refuses %s, saying who sets it', (key) => {
    expect(reservedLabelReason(key)).toMatch(/set by (Velero|lifeboat) itself/);
  });

  it.each([
    'team',
    'app.kubernetes.io/name',
    'example.com/velero.io',
    'notvelero.io/schedule-name',
    'velero.io.example.com/x',
    'lifeboat.iox/y',
    '__proto__',
    'constructor',
    '',
    '/velero.io',
  ])('lets a user set %s', (key) => {
    expect(reservedLabelReason(key)).toBeUndefined();
  });

  it('names the first reserved key of a map', () => {
    expect(firstReservedLabel({ team: 'a', 'velero.io/schedule-name': 'nightly' })).toMatchObject({
      key: 'velero.io/schedule-name',
    });
    expect(firstReservedLabel({ team: 'a' })).toBeUndefined();
    expect(firstReservedLabel(undefined)).toBeUndefined();
  });
});
