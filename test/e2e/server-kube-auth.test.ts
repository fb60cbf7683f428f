import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { eventually } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import { rawRequest, routeAuthTable } from '../helpers/route-auth.ts';
import { startServer, type ServerProcess } from '../helpers/server.ts';

/**
 * `lifeboat server --auth kubernetes` against the harness control plane: ServiceAccount tokens are
 * checked with a TokenReview, and RBAC on backups.lifeboat.io decides through a SubjectAccessReview.
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const suffix = randomBytes(3).toString('hex');
const ns = `lbauth-${suffix}`;
const role = `lifeboat-api-reader-${suffix}`;
let locations: LocationsFixture;
let admin: KubeClient;
let server: ServerProcess;
const tokens: Record<'reader' | 'nobody', string> = { reader: '', nobody: '' };

const post = <T>(path: string, body: object) => admin.json<T>({ method: 'POST', path, body });

async function call(path: string, token: string | null, method = 'GET', body?: object) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: string; message?: string } };
}

beforeAll(async () => {
  locations = await createLocations(harness);
  admin = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  await post('/api/v1/namespaces', { metadata: { name: ns } });
  for (const sa of ['reader', 'nobody'] as const)
    await post(`/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: sa } });
  await post('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    metadata: { name: role },
    rules: [
      { apiGroups: ['lifeboat.io'], resources: ['backups'], verbs: ['get', 'list'] },
      // What a Prometheus ClusterRole grants: /metrics without --metrics-public.
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ],
  });
  await post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name: role },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
  });
  for (const sa of ['reader', 'nobody'] as const) {
    const created = await post<{ status: { token: string } }>(
      `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
    );
    tokens[sa] = created.status.token;
  }
  // RBAC reaches the authorizer through an informer: wait until it answers before the server caches.
  await eventually(
    'RBAC binding in effect',
    async () => {
      const sar = await post<{ status: { allowed?: boolean } }>(
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        {
          spec: {
            user: `system:serviceaccount:${ns}:reader`,
            resourceAttributes: { group: 'lifeboat.io', resource: 'backups', verb: 'list' },
          },
        },
      );
      return sar.status.allowed === true ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
  server = await startServer({
    args: ['--kubeconfig', source, '--auth', 'kubernetes'],
    env: { ...locations.env, LIFEBOAT_API_TOKEN: '' },
  });
}, 120_000);

afterAll(async () => {
  if (server !== undefined) await server.stop();
  for (const path of [
    `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${role}`,
    `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`,
    `/api/v1/namespaces/${ns}`,
  ])
    await admin.json({ method: 'DELETE', path }).catch(() => undefined);
  admin.close();
  await locations.cleanup();
});

describe('lifeboat server --auth kubernetes', () => {
  it('lets a ServiceAccount that RBAC allows list backups', async () => {
    const res = await call('/api/v1/backups', tokens.reader);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('refuses what its role does not grant with 403', async () => {
    const res = await call('/api/v1/backups', tokens.reader, 'POST', { schedule: 'nope' });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain(
      `system:serviceaccount:${ns}:reader may not create backups.lifeboat.io`,
    );
    expect((await call('/api/v1/schedules', tokens.reader)).status).toBe(403);
  });

  it('refuses a valid token without the permission with 403', async () => {
    const res = await call('/api/v1/backups', tokens.nobody);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('FORBIDDEN');
  });

  it('refuses a garbage or missing token with 401', async () => {
    const garbage = await call('/api/v1/backups', 'not-a-kubernetes-token');
    expect(garbage.status).toBe(401);
    expect(garbage.body.error).toBe('UNAUTHENTICATED');
    expect((await call('/api/v1/backups', null)).status).toBe(401);
  });

  it('leaves probes open', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('asks RBAC for what the matched route means, however the path is spelled (the route-auth table)', async () => {
    for (const c of routeAuthTable()) {
      const where = `${c.method} ${c.path}`;
      const { kind, means } = c;
      // The reader may get and list backups (some-backup does not exist: its handler's 404) and get
      // /metrics, nothing else.
      const granted =
        c.family === 'metrics' || (means?.resource === 'backups' && ['get', 'list'].includes(means.verb));
      const readerGets =
        kind === 'unknown' || (granted && means?.resource === 'backups' && means.verb === 'get')
          ? 404
          : granted
            ? 200
            : 403;
      const cases: [string, string | undefined, number][] = [
        ['no token', undefined, kind === 'ambiguous' ? 400 : 401],
        ['garbage', 'not-a-kubernetes-token', kind === 'ambiguous' ? 400 : 401],
        ['nobody', tokens.nobody, kind === 'ambiguous' ? 400 : kind === 'unknown' ? 404 : 403],
        ['reader', tokens.reader, kind === 'ambiguous' ? 400 : readerGets],
      ];
      for (const [who, token, want] of cases) {
        const headers: Record<string, string> =
          token === undefined ? {} : { authorization: `Bearer ${token}` };
        const body = c.method === 'POST' ? JSON.stringify({ schedule: 'nope' }) : undefined;
        const r = await rawRequest(server.url, c.method, c.path, { headers, body });
        expect([where, who, r.status]).toEqual([where, who, want]);
      }
    }
  }, 120_000);
});
