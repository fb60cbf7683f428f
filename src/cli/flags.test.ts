import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { backupLabels, durationMs, keyValues, mappings, outputOption } from './flags.ts';

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

describe('duration flags', () => {
  it('reads a Go duration in milliseconds', () => {
    expect(durationMs('1h30m', '--timeout')).toBe(5_400_000);
    expect(durationMs('90s', '--timeout')).toBe(90_000);
  });

  it.each(['', '10', '5 minutes', '-'])('refuses %j as a usage error naming the flag', (value) => {
    let err: unknown;
    try {
      durationMs(value, '--gc-period');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'USAGE' });
    expect((err as { hint?: string }).hint).toContain('--gc-period takes a Go duration');
  });
});

describe('mapping flags', () => {
  it('reads pairs, trimming each name', () => {
    expect({ ...mappings('a:b, c : d', '--namespace-mappings') }).toEqual({ a: 'b', c: 'd' });
    expect({ ...mappings(undefined, '--namespace-mappings') }).toEqual({});
  });

  it.each(['a', 'a:', ':b', 'a:b:c'])('refuses %j in the form the command names', (pair) => {
    expect(() => mappings(pair, '--namespace-mappings', 'src:dst', 'app:app-restored')).toThrow(
      `--namespace-mappings: '${pair}' is not src:dst`,
    );
  });
});

describe('-o, --output of a listing', () => {
  const output = (...args: string[]) =>
    new Command('get')
      .exitOverride()
      .configureOutput({ writeErr: () => undefined })
      .addOption(outputOption())
      .parse(args, { from: 'user' })
      .opts<{ output: string }>().output;

  it('is a table unless json or yaml is asked for', () => {
    expect([output(), output('-o', 'json'), output('--output', 'yaml')]).toEqual(['table', 'json', 'yaml']);
  });

  it('refuses any other format', () => {
    expect(() => output('-o', 'xml')).toThrow(/Allowed choices are table, json, yaml/);
  });
});
