import { describe, expect, it } from 'vitest';
import { formatLabelSelector, matchesLabelSelector, parseLabelSelector } from './label-selector.ts';

describe('label selectors', () => {
  it('parses equality into matchLabels and set-based requirements into matchExpressions', () => {
    expect(parseLabelSelector('app=web,tier!=db,env in (prod, staging),!legacy,canary')).toEqual({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'NotIn', values: ['db'] },
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'canary', operator: 'Exists' },
      ],
    });
    expect(parseLabelSelector('app.kubernetes.io/name==api')).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'api' },
    });
  });

  it('formats back to the API server query syntax', () => {
    const s = parseLabelSelector('b=2,a=1,env notin (x),!gone');
    expect(formatLabelSelector(s)).toBe('a=1,b=2,env notin (x),!gone');
  });

  it('matches label sets', () => {
    const s = parseLabelSelector('app=web,env in (prod),!legacy');
    expect(matchesLabelSelector(s, { app: 'web', env: 'prod' })).toBe(true);
    expect(matchesLabelSelector(s, { app: 'web', env: 'dev' })).toBe(false);
    expect(matchesLabelSelector(s, { app: 'web', env: 'prod', legacy: 'y' })).toBe(false);
    expect(matchesLabelSelector(s, undefined)).toBe(false);
  });

  it('rejects garbage with a usage error and an example', () => {
    expect(() => parseLabelSelector('app=(web')).toThrow(/invalid label selector/);
    expect(() => parseLabelSelector('env in ()')).toThrow(/cannot parse/);
  });
});
