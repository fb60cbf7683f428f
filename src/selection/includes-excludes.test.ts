import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { IncludesExcludes } from './includes-excludes.ts';

describe('IncludesExcludes', () => {
  it('includes everything when includes are empty or *', () => {
    expect(new IncludesExcludes([], []).includesEverything()).toBe(true);
    expect(new IncludesExcludes(['*'], []).includesEverything()).toBe(true);
    expect(new IncludesExcludes(['*'], ['kube-*']).includesEverything()).toBe(false);
    expect(new IncludesExcludes(['a'], []).includesEverything()).toBe(false);
  });
  it('lets excludes win over includes', () => {
    const f = new IncludesExcludes(['app-*'], ['app-secret']);
    expect(f.shouldInclude('app-web')).toBe(true);
    expect(f.shouldInclude('app-secret')).toBe(false);
    expect(f.shouldInclude('other')).toBe(false);
  });
  it('matches plain names exactly and patterns as globs', () => {
    const f = new IncludesExcludes(['kube-system', 'team-[a-c]', 'a\\*b'], []);
    expect(['kube-system', 'team-b', 'a*b'].map((n) => f.shouldInclude(n))).toEqual([true, true, true]);
    expect(['kube-syste', 'team-d', 'axb'].map((n) => f.shouldInclude(n))).toEqual([false, false, false]);
  });
  it('answers at once for a pattern that made the RegExp matcher backtrack for seconds', () => {
    const f = new IncludesExcludes(['*a*a*a*a*a*a*a*a*a*a*b'], ['*a*a*a*a*a*a*a*a*a*a*c']);
    const started = performance.now();
    expect(f.shouldInclude('a'.repeat(40))).toBe(false);
    expect(f.shouldInclude('a'.repeat(253))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
  it.each([
    [['[z-a]'], [], /reversed/],
    [[], ['ns-[a'], /not closed/],
    [['x'.repeat(1025)], [], /at most 1024/],
    [Array.from({ length: 300 }, (_, i) => `${'n'.repeat(60)}${i}`), [], /16384 characters in all/],
  ])('refuses %j / %j as a usage error', (includes, excludes, message) => {
    let caught: unknown;
    try {
      new IncludesExcludes(includes, excludes);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LifeboatError);
    expect((caught as LifeboatError).code).toBe('USAGE');
    expect((caught as LifeboatError).message).toMatch(message);
    expect((caught as LifeboatError).hint).toMatch(/glob syntax/);
  });
});
