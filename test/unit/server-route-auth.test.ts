import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiAttributes, AuthDecision } from '../../src/server/kube-auth.ts';
import { silentLogger } from '../../src/log/index.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { buildApi, kubernetesAuth, tokenAuth, type ApiSecurity } from '../../src/server/http/index.ts';
import type { ServerContext } from '../../src/server/context.ts';
import { errorCode, rawRequest, routeAuthTable, type RouteCase } from '../helpers/route-auth.ts';

/**
 * The route-auth table against the API on a real loopback socket (requests sent byte for byte),
 * with a server context that records every use: a refused request must never reach a handler.
 */
const TOKEN = 'route-auth-token-0123456789';
const MARKER = 'route-auth-marker';
const reached: string[] = [];

function recordingContext(): ServerContext {
  const backing: Partial<ServerContext> = {
    logger: silentLogger(),
    metrics: createMetrics(),
    startedAt: new Date(0),
    restoreEnabled: true,
    restoring: new Map(),
    index: {
      backups: () => [],
      find: () => undefined,
      locations: () => [{ name: MARKER }],
    } as unknown as ServerContext['index'],
    // A fleet without clusters: /api/v1/backups lists the fleet's backups too.
    fleet: {
      index: { all: () => [], find: () => undefined },
      registry: { find: () => undefined },
    } as unknown as ServerContext['fleet'],
    scheduler: {
      active: () => [],
      running: true,
      isActive: () => false,
    } as unknown as ServerContext['scheduler'],
    config: () => ({ apiVersion: 'lifeboat.io/v1alpha1', kind: 'Config', locations: [] }) as never,
    skipped: () => [],
    // Not the leader: an authenticated POST is answered 503 and starts nothing, even in this test.
    leader: () => ({ elected: true, isLeader: false, identity: MARKER, holder: MARKER }),
    ready: () => true,
    alive: () => true,
  };
  return new Proxy(backing as ServerContext, {
    get(target, key, receiver) {
      if (key !== 'logger') reached.push(String(key));
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

async function serve(
  security: ApiSecurity,
  metricsPublic = false,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = buildApi(recordingContext(), { security, metricsPublic });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  return { app, url: `http://127.0.0.1:${address.port}` };
}

const BODIES: Partial<Record<string, string>> = {
  restores: JSON.stringify({ backupName: 'some-backup' }),
  backups: JSON.stringify({ name: 'route-auth-backup' }),
};

function send(url: string, c: RouteCase, headers: Record<string, string> = {}) {
  const body = c.method === 'POST' ? (BODIES[c.means?.resource ?? 'restores'] ?? '{}') : undefined;
  return rawRequest(url, c.method, c.path, { headers, body });
}

const table = routeAuthTable();

describe('the route-auth table', () => {
  it('has the hostile spellings it claims', () => {
    expect(table.length).toBeGreaterThan(400);
    const families = new Set(table.map((c) => c.family.replace(/ \(.*\)$/, '')));
    for (const f of [
      'percent-encoded letter',
      'encoded slash',
      'double slash',
      'dot segment',
      'dot-dot segment',
    ])
      expect(families).toContain(f);
    for (const f of ['trailing slash', 'upper case', 'semicolon parameter', 'unknown route', 'metrics'])
      expect(families).toContain(f);
    expect(new Set(table.map((c) => c.method))).toEqual(
      new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'DELETE', 'PUT']),
    );
  });
});

describe('token mode', () => {
  let server: { app: FastifyInstance; url: string };
  beforeAll(async () => {
    server = await serve({ auth: tokenAuth(TOKEN) });
  });
  afterAll(() => server.app.close());

  it.each([
    ['without a token', {}],
    ['with a wrong token', { authorization: `Bearer ${TOKEN}x` }],
    ['with Basic auth', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
  ])('refuses every case %s, and no handler runs', async (_what, headers) => {
    reached.length = 0;
    for (const c of table) {
      const r = await send(server.url, c, headers);
      const want = c.kind === 'ambiguous' ? 400 : 401;
      expect([c.method, c.path, r.status]).toEqual([c.method, c.path, want]);
      if (c.method !== 'HEAD') expect(errorCode(r)).toBe(want === 400 ? 'BAD_REQUEST' : 'UNAUTHENTICATED');
      expect(r.text).not.toContain(MARKER);
      if (want === 401) expect(r.headers['www-authenticate']).toBe('Bearer realm="lifeboat"');
    }
    expect(reached).toEqual([]);
  });

  it('serves every spelling of a route with the token, 404 for unknown ones, 400 for ambiguous ones', async () => {
    const authorization = `Bearer ${TOKEN}`;
    for (const c of table) {
      reached.length = 0;
      const r = await send(server.url, c, { authorization });
      const where = `${c.method} ${c.path} → ${r.status} ${r.text}`;
      if (c.kind === 'route') expect(reached.length, where).toBeGreaterThan(0);
      else expect([r.status, reached], where).toEqual([c.kind === 'ambiguous' ? 400 : 404, []]);
    }
    const locations = await rawRequest(server.url, 'GET', '/ap%69/v1/locations', {
      headers: { authorization },
    });
    expect(JSON.parse(locations.text)).toEqual({ items: [{ name: MARKER }] });
  });

  it('leaves the probes open', async () => {
    for (const path of ['/healthz', '/readyz'])
      expect((await rawRequest(server.url, 'GET', path)).status).toBe(200);
  });
});

describe('--metrics-public', () => {
  it('opens /metrics and nothing else', async () => {
    const server = await serve({ auth: tokenAuth(TOKEN) }, true);
    try {
      expect((await rawRequest(server.url, 'GET', '/metrics')).status).toBe(200);
      expect((await rawRequest(server.url, 'GET', '/api/v1/backups')).status).toBe(401);
      expect((await rawRequest(server.url, 'GET', '/metrics/')).status).toBe(400);
    } finally {
      await server.app.close();
    }
  });
});

describe('kubernetes mode', () => {
  const asked: (ApiAttributes | undefined)[] = [];
  let server: { app: FastifyInstance; url: string };
  beforeAll(async () => {
    // A reviewer that knows one token, allowed to list backups and nothing else.
    const review = (token: string, attrs: ApiAttributes | undefined): Promise<AuthDecision> => {
      asked.push(attrs);
      if (token !== TOKEN) return Promise.resolve({ allowed: false, status: 401, message: 'not valid' });
      const ok =
        attrs === undefined || ('resource' in attrs && attrs.resource === 'backups' && attrs.verb === 'list');
      return Promise.resolve(
        ok ? { allowed: true, user: 'u' } : { allowed: false, status: 403, message: 'no' },
      );
    };
    server = await serve({ auth: kubernetesAuth({ review }) });
  });
  afterAll(() => server.app.close());

  it('asks RBAC for what the matched route means, whatever the spelling', async () => {
    reached.length = 0;
    for (const c of table) {
      asked.length = 0;
      const r = await send(server.url, c, { authorization: `Bearer ${TOKEN}` });
      const where = `${c.method} ${c.path} → ${r.status} ${r.text}`;
      if (c.kind === 'ambiguous') {
        expect(r.status, where).toBe(400);
        expect(asked, where).toEqual([]);
      } else if (c.kind === 'unknown') {
        expect(r.status, where).toBe(404);
        expect(asked, where).toEqual([undefined]); // authenticated, no permission asked for
      } else {
        const attrs = asked[0];
        expect(asked, where).toHaveLength(1);
        if (c.family.startsWith('metrics')) expect(attrs, where).toEqual({ verb: 'get', path: '/metrics' });
        else expect(attrs, where).toMatchObject(c.means ?? {});
        const allowed = c.means?.resource === 'backups' && c.means.verb === 'list';
        expect(r.status, where).toBe(allowed ? 200 : 403);
      }
    }
    // Only the allowed list of backups (the server's own and the fleet's) reached a handler.
    expect(new Set(reached)).toEqual(new Set(['scheduler', 'index', 'fleet']));
  });

  it('refuses every case without a token, asking nobody', async () => {
    asked.length = 0;
    for (const c of table) {
      const r = await send(server.url, c);
      expect([c.method, c.path, r.status]).toEqual([c.method, c.path, c.kind === 'ambiguous' ? 400 : 401]);
    }
    expect(asked).toEqual([]);
  });
});

describe('--insecure-no-auth', () => {
  let server: { app: FastifyInstance; url: string };
  let port: string;
  beforeAll(async () => {
    server = await serve({ auth: undefined, loopbackListenHost: '127.0.0.1' });
    port = new URL(server.url).port;
  });
  afterAll(() => server.app.close());

  it.each([
    ['Host evil.example', () => ({ host: 'evil.example' })],
    ['Host evil.example:PORT (DNS rebinding)', () => ({ host: `evil.example:${port}` })],
    ['Host of another port', () => ({ host: '127.0.0.1:1' })],
    ['Origin evil.example', () => ({ origin: 'http://evil.example' })],
    ['Origin null', () => ({ origin: 'null' })],
    ['Origin of another local port', () => ({ origin: 'http://127.0.0.1:1' })],
    ['Sec-Fetch-Site cross-site', () => ({ 'sec-fetch-site': 'cross-site' })],
  ])('refuses a request with %s with 403, and no handler runs', async (_what, headers) => {
    reached.length = 0;
    for (const [method, path] of [
      ['GET', '/api/v1/locations'],
      ['POST', '/api/v1/restores'],
      ['POST', '/api/v1/backups'],
      ['GET', '/healthz'],
      ['GET', '/metrics'],
    ] as const) {
      const r = await rawRequest(server.url, method, path, {
        headers: headers(),
        body: method === 'POST' ? BODIES['restores'] : undefined,
      });
      expect([method, path, r.status]).toEqual([method, path, 403]);
      expect(errorCode(r)).toBe('FORBIDDEN');
      expect(r.text).not.toContain(MARKER);
    }
    expect(reached).toEqual([]);
  });

  it('serves same-origin requests, by any loopback name', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const r = await rawRequest(server.url, 'GET', '/api/v1/locations', {
        headers: { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
      });
      expect(r.status).toBe(200);
      expect(r.text).toContain(MARKER);
    }
    expect((await rawRequest(server.url, 'GET', '/metrics')).status).toBe(200);
  });
});
