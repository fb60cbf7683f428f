import { describe, expect, it } from 'vitest';
import { routeAttributes } from './route-access.ts';

describe('routeAttributes', () => {
  it.each([
    ['GET', { resource: 'backups' }, {}, { verb: 'list', resource: 'backups', name: undefined }],
    ['HEAD', { resource: 'backups' }, {}, { verb: 'list', resource: 'backups', name: undefined }],
    ['GET', { resource: 'backups' }, { name: 'n-1' }, { verb: 'get', resource: 'backups', name: 'n-1' }],
    // The router's decoded parameter is the name, whatever it holds: never a different resource.
    [
      'GET',
      { resource: 'backups' },
      { name: '../restores' },
      { verb: 'get', resource: 'backups', name: '../restores' },
    ],
    ['POST', { resource: 'restores' }, {}, { verb: 'create', resource: 'restores', name: undefined }],
    ['post', { resource: 'restores' }, {}, { verb: 'create', resource: 'restores', name: undefined }],
    ['DELETE', { resource: 'backups' }, { name: 'x' }, { verb: 'delete', resource: 'backups', name: 'x' }],
    ['GET', { path: '/metrics' }, {}, { verb: 'get', path: '/metrics' }],
    // An action on an item is a subresource (RBAC `backups/verify`), never the item's own create.
    [
      'POST',
      { resource: 'backups', subresource: 'verify' },
      { name: 'b-1' },
      { verb: 'create', resource: 'backups', subresource: 'verify', name: 'b-1' },
    ],
    // A POST that only reads (a report ticket) declares its verb.
    [
      'POST',
      { resource: 'drills', verb: 'get' },
      { name: 'd-1' },
      { verb: 'get', resource: 'drills', name: 'd-1' },
    ],
    ['HEAD', { path: '/metrics' }, {}, { verb: 'get', path: '/metrics' }],
  ] as const)('%s %o %o', (method, access, params, want) => {
    expect(routeAttributes(method, access, params)).toEqual(want);
  });

  it('ignores a name that is not a string or not the params own', () => {
    expect(routeAttributes('GET', { resource: 'backups' }, { name: ['a'] })).toMatchObject({ verb: 'list' });
    expect(routeAttributes('GET', { resource: 'backups' }, Object.create({ name: 'x' }))).toMatchObject({
      verb: 'list',
    });
    expect(routeAttributes('GET', { resource: 'backups' }, undefined)).toMatchObject({ verb: 'list' });
  });

  it('never invents a verb for an unknown method', () => {
    expect(routeAttributes('BREW', { resource: 'backups' }, {})).toMatchObject({ verb: 'unknown' });
  });
});
