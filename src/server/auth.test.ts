import { describe, expect, it } from 'vitest';
import { apiAttributes, type ApiAttributes } from '../engine/kube-auth.ts';
import { kubernetesAuth, tokenAuth } from './auth.ts';

describe('apiAttributes', () => {
  it.each([
    ['GET', '/api/v1/backups?schedule=a', { verb: 'list', resource: 'backups', name: undefined }],
    [
      'GET',
      '/api/v1/backups/nightly-20260101000000',
      { verb: 'get', resource: 'backups', name: 'nightly-20260101000000' },
    ],
    ['POST', '/api/v1/restores', { verb: 'create', resource: 'restores', name: undefined }],
    ['GET', '/api/v1/rpo', { verb: 'list', resource: 'rpo', name: undefined }],
    ['DELETE', '/api/v1/backups/x%2Fy', { verb: 'delete', resource: 'backups', name: 'x/y' }],
  ] as const)('%s %s', (method, url, want) => {
    expect(apiAttributes(method, url)).toEqual(want);
  });
});

describe('kubernetesAuth', () => {
  const seen: [string, ApiAttributes][] = [];
  const auth = kubernetesAuth({
    review: (token, attrs) => {
      seen.push([token, attrs]);
      return Promise.resolve({ allowed: true, user: 'u' });
    },
  });
  it('passes the bearer token and the request attributes to the reviewer', async () => {
    expect(await auth({ authorization: 'Bearer abc', method: 'POST', url: '/api/v1/backups' })).toEqual({
      allowed: true,
      user: 'u',
    });
    expect(seen).toEqual([['abc', { verb: 'create', resource: 'backups', name: undefined }]]);
  });
  it('answers 401 without asking when there is no bearer token', async () => {
    expect(await auth({ authorization: 'Basic eDp5', method: 'GET', url: '/api/v1/backups' })).toMatchObject({
      allowed: false,
      status: 401,
    });
    expect(seen).toHaveLength(1);
  });
});

describe('tokenAuth', () => {
  const auth = tokenAuth('0123456789abcdef0123');
  it('accepts the token and refuses others with 401', async () => {
    const req = { method: 'GET', url: '/api/v1/backups' };
    expect((await auth({ ...req, authorization: 'Bearer 0123456789abcdef0123' })).allowed).toBe(true);
    expect(await auth({ ...req, authorization: 'Bearer nope' })).toMatchObject({
      allowed: false,
      status: 401,
    });
    expect(await auth({ ...req, authorization: undefined })).toMatchObject({ allowed: false, status: 401 });
  });
});
