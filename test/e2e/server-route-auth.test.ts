import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import { errorCode, rawRequest, routeAuthTable, type RouteCase } from '../helpers/route-auth.ts';
import { startServer, type ServerProcess } from '../helpers/server.ts';

/**
 * The route-auth table against the real `lifeboat server` (restores enabled, a standby to restore
 * to): no spelling of a path reaches a route without the token, and none starts a backup or a
 * restore. With --insecure-no-auth, requests from another site (Host, Origin) are refused.
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const standby = harness.clusters['standby']!.kubeconfig;
const TOKEN = randomBytes(24).toString('hex');
const suffix = randomBytes(3).toString('hex');
let locations: LocationsFixture;

/** `lifeboat server` with this file's config and token, once ready: a request that slipped through would act. */
const serve = (args: string[]) =>
  startServer({ args, env: { ...locations.env, LIFEBOAT_API_TOKEN: TOKEN }, ready: true, timeoutMs: 30_000 });

/** Bodies that would start a backup or a restore if a request reached its route. */
function bodyOf(c: RouteCase): string | undefined {
  if (c.method !== 'POST') return undefined;
  const ns = `route-auth-${suffix}`;
  return c.means?.resource === 'backups'
    ? JSON.stringify({ name: `route-auth-${suffix}`, template: { includedNamespaces: [ns] } })
    : JSON.stringify({ backupName: `route-auth-${suffix}`, namespaceMapping: { [ns]: `${ns}-dr` } });
}

/** Nothing was started: no runs counted, nothing listed, nothing in the server's log. */
async function expectNothingStarted(server: ServerProcess): Promise<void> {
  const authorization = `Bearer ${TOKEN}`;
  const metrics = await rawRequest(server.url, 'GET', '/metrics', { headers: { authorization } });
  expect(metrics.status).toBe(200);
  expect(metrics.text).toContain('# TYPE lifeboat_restore_total counter');
  expect(metrics.text).not.toMatch(/^lifeboat_(restore|backup)_total\{/m);
  for (const path of ['/api/v1/restores', '/api/v1/backups']) {
    const listed = await rawRequest(server.url, 'GET', path, { headers: { authorization } });
    expect([path, listed.status, JSON.parse(listed.text)]).toEqual([path, 200, { items: [] }]);
  }
  expect(server.output()).not.toContain(`route-auth-${suffix}`);
}

beforeAll(async () => {
  locations = await createLocations(harness);
});
afterAll(async () => {
  await locations.cleanup();
});

describe('lifeboat server: the route-auth table (token mode)', () => {
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    server = await serve(['--kubeconfig', source, '--enable-restore', '--restore-kubeconfig', standby]);
  }, 60_000);
  afterAll(() => server?.stop());

  const table = routeAuthTable();

  it(`refuses all ${table.length} spellings without the token (400 or 401) and starts nothing`, async () => {
    const s = server!;
    const seen = new Map<number, number>();
    for (const c of table) {
      for (const headers of [{}, { authorization: `Bearer ${TOKEN}-not` }] as Record<string, string>[]) {
        const r = await rawRequest(s.url, c.method, c.path, { headers, body: bodyOf(c) });
        const want = c.kind === 'ambiguous' ? 400 : 401;
        expect([c.method, c.path, r.status]).toEqual([c.method, c.path, want]);
        if (c.method !== 'HEAD') expect(errorCode(r)).toBe(want === 400 ? 'BAD_REQUEST' : 'UNAUTHENTICATED');
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
      }
    }
    expect([...seen.keys()].sort()).toEqual([400, 401]);
    await expectNothingStarted(s);
  }, 120_000);

  it('with the token, serves each route under its one meaning and 404s unknown routes', async () => {
    const s = server!;
    const authorization = `Bearer ${TOKEN}`;
    for (const c of table.filter((x) => x.method !== 'POST')) {
      const r = await rawRequest(s.url, c.method, c.path, { headers: { authorization } });
      // The named routes ask for a backup, and a restore of a cluster, that do not exist: their own 404, not the router's.
      const named = c.means?.verb === 'get' && ['backups', 'restores'].includes(c.means.resource);
      const want = c.kind === 'ambiguous' ? 400 : c.kind === 'unknown' || named ? 404 : 200;
      expect([c.method, c.path, r.status]).toEqual([c.method, c.path, want]);
      if (named && c.method === 'GET')
        expect(r.text).toMatch(
          /backup some-backup not found|restore some-restore of cluster some-cluster not found/,
        );
    }
    const locs = await rawRequest(s.url, 'GET', '/ap%69/v1/locations', { headers: { authorization } });
    expect((JSON.parse(locs.text) as { items: unknown[] }).items).toHaveLength(3);
    await expectNothingStarted(s);
  }, 120_000);
});

describe('lifeboat server --insecure-no-auth: requests from another site', () => {
  let server: ServerProcess | undefined;
  let port = '';
  beforeAll(async () => {
    server = await serve([
      '--insecure-no-auth',
      '--kubeconfig',
      source,
      '--enable-restore',
      '--restore-kubeconfig',
      standby,
    ]);
    port = new URL(server.url).port;
  }, 60_000);
  afterAll(() => server?.stop());

  const hostile: [string, () => Record<string, string>][] = [
    ['Host: evil.example', () => ({ host: 'evil.example' })],
    ['Host: evil.example:PORT (DNS rebinding)', () => ({ host: `evil.example:${port}` })],
    ['Origin: http://evil.example', () => ({ origin: 'http://evil.example' })],
    ['Origin: null', () => ({ origin: 'null' })],
    ['Sec-Fetch-Site: cross-site', () => ({ 'sec-fetch-site': 'cross-site' })],
  ];

  it(`refuses ${hostile.length} kinds of cross-site request with 403 on every route, starting nothing`, async () => {
    const s = server!;
    for (const [what, headers] of hostile)
      for (const c of routeAuthTable().filter((x) => x.kind === 'route')) {
        const r = await rawRequest(s.url, c.method, c.path, { headers: headers(), body: bodyOf(c) });
        expect([what, c.method, c.path, r.status]).toEqual([what, c.method, c.path, 403]);
        if (c.method !== 'HEAD') expect(JSON.parse(r.text)).toMatchObject({ error: 'FORBIDDEN' });
      }
    await expectNothingStarted(s);
  }, 120_000);

  it('serves the same origin, by any loopback name', async () => {
    const s = server!;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const r = await rawRequest(s.url, 'GET', '/api/v1/locations', {
        headers: { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
      });
      expect([host, r.status]).toEqual([host, 200]);
      expect((JSON.parse(r.text) as { items: unknown[] }).items).toHaveLength(3);
    }
    // A same-origin POST reaches its route (here: 400 for a body that names no backup).
    const post = await rawRequest(s.url, 'POST', '/api/v1/restores', {
      headers: { origin: `http://127.0.0.1:${port}` },
      body: '{}',
    });
    expect(JSON.parse(post.text)).toMatchObject({ error: 'BAD_REQUEST', field: 'backupName' });
  });
});
