import { describe, expect, it } from 'vitest';
import { backupLabels } from './flags.ts';

describe('backup --labels', () => {
  it('accepts labels of the user', () => {
    expect(backupLabels('team=payments, env=prod', '--labels')).toEqual({ team: 'payments', env: 'prod' });
  });

  it.each([
    'velero.io/schedule-name=nightly',
    'team=a,velero.io/storage-location=x',
    'lifeboat.io/cluster-uid=u',
  ])('refuses a reserved label: %s', (flag) => {
    let err: unknown;
    try {
      backupLabels(flag, '--labels');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'USAGE' });
    expect((err as Error).message).toMatch(/--labels: label '(velero|lifeboat)\.io\/[a-z-]+' is reserved/);
  });
});
