import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerContext } from '../context.ts';
import { accessRoutes } from './access-routes.ts';
import type { ApiAuth } from './auth.ts';
import { responseHeaders } from './response-headers.ts';
import { installGuard } from './guard.ts';
import { on, PUBLIC } from './route-access.ts';
import { DASHBOARD_CSP, webRoutes } from './web-routes.ts';

let dir: string;
let app: FastifyInstance;
const reviewed: unknown[] = [];
/** A reviewer that lets `token-ok` list everything and create nothing. */
const auth: ApiAuth = (req) => {
  reviewed.push(req.attributes);
  if (req.authorization !== 'Bearer token-ok')
    return Promise.resolve({ allowed: false, status: 401, message: 'bad token' });
  const verb = req.attributes !== undefined && 'resource' in req.attributes ? req.attributes.verb : 'get';
  return Promise.resolve(
    verb === 'list' || req.attributes === undefined
      ? { allowed: true, user: 'alice' }
      : { allowed: false, status: 403, message: 'no' },
  );
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-web-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(dir, 'assets', 'app.js'), 'export {};');
  await writeFile(join(dir, 'assets', 'app.css'), 'body{}');
  process.env['LIFEBOAT_WEB_DIR'] = dir;
  app = Fastify();
  installGuard(app, { auth });
  responseHeaders(app);
  webRoutes(app);
  accessRoutes(app, { restoreEnabled: true } as ServerContext, { auth });
  app.get('/api/v1/things', on('things'), () => Promise.resolve({ items: [1, 2] }));
  app.get('/api/v1/framed', PUBLIC, (_req, reply) => reply.header('x-frame-options', 'SAMEORIGIN').send({}));
  await app.ready();
});
afterAll(async () => {
  delete process.env['LIFEBOAT_WEB_DIR'];
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the dashboard routes', () => {
  it('serve the page and its assets without a token, under the strict CSP and headers', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const js = await app.inject({ url: '/assets/app.js' });
    expect(js.headers['content-type']).toContain('text/javascript');
    const again = await app.inject({
      url: '/assets/app.js',
      headers: { 'if-none-match': String(js.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it('keep the API behind its auth, with ETags that answer 304 while nothing changed', async () => {
    expect((await app.inject({ url: '/api/v1/things' })).statusCode).toBe(401);
    const first = await app.inject({ url: '/api/v1/things', headers: { authorization: 'Bearer token-ok' } });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    const etag = String(first.headers.etag);
    const second = await app.inject({
      url: '/api/v1/things',
      headers: { authorization: 'Bearer token-ok', 'if-none-match': etag },
    });
    expect(second.statusCode).toBe(304);
    expect(second.body).toBe('');
    expect(
      (await app.inject({ url: '/nope', headers: { authorization: 'Bearer token-ok' } })).statusCode,
    ).toBe(404);
  });

  it('tell the caller what they may do, each action reviewed as its route would be', async () => {
    expect((await app.inject({ url: '/api/v1/access' })).statusCode).toBe(401);
    const res = await app.inject({ url: '/api/v1/access', headers: { authorization: 'Bearer token-ok' } });
    expect(res.json()).toMatchObject({
      user: 'alice',
      restoreEnabled: true,
      allowed: { 'restores.create': false, 'schedules.patch': false, 'backups.list': true },
    });
    expect(reviewed).toContainEqual({ verb: 'create', resource: 'restores' });
    expect(reviewed).toContainEqual({ verb: 'create', resource: 'backups', subresource: 'verify' });
  });

  it('never let a page be framed, unless its route allows its own origin (a drill report)', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['content-security-policy']).toContain("frame-src 'self'");
    expect((await app.inject({ url: '/api/v1/framed' })).headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});
