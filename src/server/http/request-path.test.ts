import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ambiguousPath } from './request-path.ts';

describe('ambiguousPath', () => {
  it.each([
    '/',
    '/healthz',
    '/api/v1/backups',
    '/api/v1/backups?location=s3&schedule=a;b/c',
    '/api/v1/backups/nightly-20260101000000',
    '/%61pi/v1/backups', // an encoded letter decodes to the route: served, and authenticated as it
    '/api/v1/backups/a.b..c',
  ])('accepts %s', (path) => {
    expect(ambiguousPath(path)).toBeUndefined();
  });

  it.each([
    ['//api/v1/backups', /empty/],
    ['/api//v1/backups', /empty/],
    ['/api/v1/backups/', /empty/],
    ['/./api/v1/backups', /\. or \.\./],
    ['/api/../api/v1/backups', /\. or \.\./],
    ['/api/v1/backups/..', /\. or \.\./],
    ['/%2e/api/v1/backups', /\. or \.\./],
    ['/api/%2E%2e/api/v1/backups', /\. or \.\./],
    ['/api/v1/backups;x=1', /;/],
    ['/api;/v1/backups', /;/],
    ['/api/v1/backups%3bx', /encoded/],
    ['/api%2Fv1/backups', /encoded/],
    ['/api/v1/backups/x%2F..%2Flocations', /encoded/],
    ['/api%5cv1/backups', /encoded/],
    ['/api\\v1/backups', /backslash/],
    ['/api/v1/backups%00', /control/],
    ['/api/v1/backups/%0a', /control/],
    ['/api/v1/backups/%23', /encoded/],
    ['/api/v1/backups/%zz', /malformed/],
    ['/api/v1/backups/%', /malformed/],
    ['http://evil.example/api/v1/backups', /starts with \//],
    ['*', /starts with \//],
    ['', /starts with \//],
  ])('refuses %s', (path, why) => {
    expect(ambiguousPath(path)).toMatch(why);
  });

  it('accepts only paths whose decoded segments are plain names (property)', () => {
    const segment = fc.oneof(
      fc.constantFrom(
        '',
        '.',
        '..',
        '%2e',
        '%2E%2e',
        '%2f',
        '%5C',
        ';',
        '%3B',
        'api',
        'v1',
        'backups',
        '%61',
      ),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), fc.string({ maxLength: 6 }), (segments, query) => {
        const path = `/${segments.join('/')}${query === '' ? '' : `?${query}`}`;
        const why = ambiguousPath(path);
        if (why !== undefined || path.split('?')[0] === '/') return;
        for (const s of path.split('?')[0]!.slice(1).split('/')) {
          const decoded = decodeURIComponent(s);
          expect(decoded).not.toMatch(/^\.{1,2}$|^$|[/\\;#]/);
          expect([...decoded].some((ch) => ch.charCodeAt(0) < 0x20)).toBe(false);
        }
      }),
      { numRuns: 500, seed: 12 },
    );
  });

  it('takes linear time on a long hostile path', () => {
    const long = `/${'%2'.repeat(50_000)}`;
    const started = performance.now();
    expect(ambiguousPath(long)).toMatch(/malformed/);
    expect(ambiguousPath(`/${'a/'.repeat(100_000)}b`)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
