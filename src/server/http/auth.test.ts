import { describe, expect, it } from 'vitest';
import type { ApiAttributes } from '../kube-auth.ts';
import { kubernetesAuth, tokenAuth } from './auth.ts';

describe('kubernetesAuth', () => {
  const seen: [string, ApiAttributes | undefined][] = [];
  const auth = kubernetesAuth({
    review: (token, attrs) => {
      seen.push([token, attrs]);
      return Promise.resolve({ allowed: true, user: 'u' });
    },
  });
  const create: ApiAttributes = { verb: 'create', resource: 'backups', name: undefined };
  it('passes the bearer token and the route attributes to the reviewer', async () => {
    expect(await auth({ authorization: 'Bearer abc', attributes: create })).toEqual({
      allowed: true,
      user: 'u',
    });
    expect(seen).toEqual([['abc', create]]);
  });
  it('asks to authenticate only for a request that matched no route', async () => {
    await auth({ authorization: 'Bearer abc', attributes: undefined });
    expect(seen.at(-1)).toEqual(['abc', undefined]);
  });
  it('answers 401 without asking when there is no bearer token', async () => {
    expect(await auth({ authorization: 'Basic eDp5', attributes: create })).toMatchObject({
      allowed: false,
      status: 401,
    });
    expect(seen).toHaveLength(2);
  });
});

describe('tokenAuth', () => {
  const auth = tokenAuth('0123456789abcdef0123');
  it('accepts the token and refuses others with 401, whatever the route', async () => {
    for (const attributes of [undefined, { verb: 'list', resource: 'backups' }]) {
      const req = { attributes };
      expect((await auth({ ...req, authorization: 'Bearer 0123456789abcdef0123' })).allowed).toBe(true);
      expect(await auth({ ...req, authorization: 'Bearer nope' })).toMatchObject({
        allowed: false,
        status: 401,
      });
      expect(await auth({ ...req, authorization: undefined })).toMatchObject({ allowed: false, status: 401 });
    }
  });
});
