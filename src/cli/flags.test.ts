import { describe, expect, it } from 'vitest';
import { backupLabels, keyValues } from './flags.ts';
import { mappings } from './standby.ts';

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

describe('key=value and old:new flags with names of Object.prototype members', () => {
  it('keeps __proto__ and constructor as keys and inherits nothing', () => {
    const labels: Record<string, string> = keyValues('__proto__=a,constructor=b,toString=c', '--labels');
    expect(Object.entries(labels)).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
      ['toString', 'c'],
    ]);
    expect(Object.getPrototypeOf(keyValues('x=y', '--labels'))).toBeNull();
    const classes: Record<string, string> = mappings(
      '__proto__:fast,constructor:slow',
      '--storage-class-mappings',
    );
    expect(Object.entries(classes)).toEqual([
      ['__proto__', 'fast'],
      ['constructor', 'slow'],
    ]);
    expect(Object.getPrototypeOf(mappings('a:b', '--storage-class-mappings'))).toBeNull();
  });
});
