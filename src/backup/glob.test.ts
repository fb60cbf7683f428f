import { describe, expect, it } from 'vitest';
import { globToRegExp, IncludesExcludes } from './glob.ts';

describe('globToRegExp (gobwas/glob syntax, as Velero uses)', () => {
  it.each([
    ['app-*', 'app-frontend', true],
    ['app-*', 'web-app', false],
    ['team-?', 'team-a', true],
    ['team-?', 'team-ab', false],
    ['ns-[0-9]', 'ns-7', true],
    ['ns-[!0-9]', 'ns-7', false],
    ['{prod,staging}-db', 'staging-db', true],
    ['{prod,staging}-db', 'dev-db', false],
    ['kube.system', 'kube-system', false],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(globToRegExp(pattern).test(value)).toBe(expected);
  });
});

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
});
