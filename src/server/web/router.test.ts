import { describe, expect, it } from 'vitest';
import { backupApi, backupSegments, href, parseRoute, restoreApi, restoreSegments } from './router.ts';

describe('dashboard routes', () => {
  it('gives every object a deep link that parses back to it', () => {
    expect(parseRoute('')).toEqual({ page: 'fleet' });
    expect(parseRoute('#/')).toEqual({ page: 'fleet' });
    expect(parseRoute(href(['backups', 'nightly-20261207']))).toEqual({
      page: 'backup',
      name: 'nightly-20261207',
    });
    expect(parseRoute(href(['restores', 'r1']))).toMatchObject({ page: 'restore', name: 'r1' });
    expect(parseRoute(href(['drills', 'd 1']))).toEqual({ page: 'drill', name: 'd 1' });
    expect(parseRoute('#/schedules')).toEqual({ page: 'schedules' });
    expect(parseRoute('#/locations')).toEqual({ page: 'locations' });
    const contents = parseRoute(
      href(['backups', 'b', 'contents'], { ns: 'shop', resource: 'secrets', item: 'db' }),
    );
    expect(contents.page).toBe('contents');
    if (contents.page === 'contents') {
      expect(contents.name).toBe('b');
      expect(Object.fromEntries(contents.params)).toEqual({ ns: 'shop', resource: 'secrets', item: 'db' });
    }
    const filtered = parseRoute(href(['backups'], { phase: 'Failed', schedule: '' }));
    expect(filtered.page === 'backups' && Object.fromEntries(filtered.filters)).toEqual({ phase: 'Failed' });
  });

  it("links a fleet cluster's backup under its cluster, and its API path likewise", () => {
    expect(parseRoute(href(backupSegments('b-1', 'east')))).toEqual({
      page: 'backup',
      name: 'b-1',
      cluster: 'east',
    });
    const contents = parseRoute(href([...backupSegments('b-1', 'east'), 'contents'], { ns: 'shop' }));
    expect(contents).toMatchObject({ page: 'contents', name: 'b-1', cluster: 'east' });
    expect(parseRoute('#/clusters/east/backups').page).toBe('not-found');
    expect(parseRoute('#/clusters/east/backups/b/x').page).toBe('not-found');
    expect(backupApi('a/b', 'e st')).toBe('/api/v1/clusters/e%20st/backups/a%2Fb');
    expect(backupApi('b', undefined)).toBe('/api/v1/backups/b');
  });

  it("links a fleet cluster's restore under its cluster, and its API path likewise", () => {
    expect(parseRoute(href(restoreSegments('r-1', 'east'), { location: 's3' }))).toMatchObject({
      page: 'restore',
      name: 'r-1',
      cluster: 'east',
    });
    expect(parseRoute(href(restoreSegments('r-1', undefined)))).toMatchObject({
      page: 'restore',
      name: 'r-1',
    });
    expect(parseRoute('#/clusters/east/restores/r/x').page).toBe('not-found');
    expect(restoreApi('r 1', 'east')).toBe('/api/v1/clusters/east/restores/r%201');
    expect(restoreApi('r', undefined)).toBe('/api/v1/restores/r');
  });

  it('sends anything unknown or malformed to not-found', () => {
    expect(parseRoute('#/nope').page).toBe('not-found');
    expect(parseRoute('#/backups/a/b/c').page).toBe('not-found');
    expect(parseRoute('#/backups/%E0%A4%A').page).toBe('not-found');
    expect(parseRoute('#/restores/new').page).toBe('restore-new');
  });

  it('encodes names so a slash or a question mark stays inside its segment', () => {
    expect(href(['backups', 'a/b?c'])).toBe('#/backups/a%2Fb%3Fc');
    expect(parseRoute(href(['backups', 'a/b?c']))).toEqual({ page: 'backup', name: 'a/b?c' });
  });
});
