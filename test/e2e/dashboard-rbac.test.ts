import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWeb } from '../../scripts/build.ts';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import {
  expectAccessible,
  launchChromium,
  SHOTS,
  shot,
  signIn,
  startDashboardServer,
  type ServerProcess,
} from '../helpers/dashboard.ts';
import { eventually } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';

/**
 * The dashboard with `--auth kubernetes`: what a user's RBAC does not grant is not offered (the
 * buttons are absent), and the API refuses it anyway. Two ServiceAccounts: a viewer (get and list)
 * and an operator (also pause schedules, run backups, start restores).
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const suffix = randomBytes(3).toString('hex');
const ns = `dash-rbac-${suffix}`;
const schedule = `nightly-${suffix}`;
const backup = `verify-${suffix}`;
const READ = ['get', 'list'];
const ROLES = {
  viewer: [
    {
      apiGroups: ['lifeboat.io'],
      resources: ['backups', 'restores', 'schedules', 'locations', 'rpo', 'server'],
      verbs: READ,
    },
  ],
  operator: [
    {
      apiGroups: ['lifeboat.io'],
      resources: ['backups', 'restores', 'schedules', 'locations', 'rpo', 'server'],
      verbs: READ,
    },
    { apiGroups: ['lifeboat.io'], resources: ['backups', 'restores'], verbs: ['create'] },
    { apiGroups: ['lifeboat.io'], resources: ['schedules'], verbs: ['patch'] },
    { apiGroups: ['lifeboat.io'], resources: ['backups/verify'], verbs: ['create'] },
  ],
} as const;
type Who = keyof typeof ROLES;

let locations: LocationsFixture;
let admin: KubeClient;
let webDir: string;
let server: ServerProcess;
let browser: Browser;
const tokens: Record<Who, string> = { viewer: '', operator: '' };
const post = <T>(path: string, body: object) => admin.json<T>({ method: 'POST', path, body });

async function signInAs(who: Who): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server, tokens[who]);
  return page;
}

beforeAll(async () => {
  locations = await createLocations(harness);
  webDir = await buildWeb(await mkdtemp(join(tmpdir(), 'lifeboat-web-')));
  admin = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  await post('/api/v1/namespaces', { metadata: { name: ns } });
  for (const who of ['viewer', 'operator'] as const) {
    await post(`/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: who } });
    await post('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: { name: `${ns}-${who}` },
      rules: ROLES[who],
    });
    await post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: `${ns}-${who}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${ns}-${who}` },
      subjects: [{ kind: 'ServiceAccount', name: who, namespace: ns }],
    });
    const created = await post<{ status: { token: string } }>(
      `/api/v1/namespaces/${ns}/serviceaccounts/${who}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 1200 },
      },
    );
    tokens[who] = created.status.token;
  }
  await eventually(
    'RBAC bindings in effect',
    async () => {
      const sar = await post<{ status: { allowed?: boolean } }>(
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        {
          spec: {
            user: `system:serviceaccount:${ns}:operator`,
            resourceAttributes: { group: 'lifeboat.io', resource: 'schedules', verb: 'patch' },
          },
        },
      );
      return sar.status.allowed === true ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const config = parse(await readFile(locations.configPath, 'utf8')) as Record<string, unknown>;
  const schedules = [
    { name: schedule, schedule: '0 3 * * *', storageLocation: 's3', template: { includedNamespaces: [ns] } },
  ];
  await writeFile(locations.configPath, stringify({ ...config, schedules }));
  server = await startDashboardServer(
    [
      '--kubeconfig',
      source,
      '--auth',
      'kubernetes',
      '--sync-period',
      '1s',
      '--enable-restore',
      '--restore-kubeconfig',
      source,
    ],
    { ...locations.env, LIFEBOAT_API_TOKEN: '', LIFEBOAT_WEB_DIR: webDir },
  );
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  for (const who of ['viewer', 'operator'])
    for (const kind of ['clusterrolebindings', 'clusterroles'])
      await admin
        .json({ method: 'DELETE', path: `/apis/rbac.authorization.k8s.io/v1/${kind}/${ns}-${who}` })
        .catch(() => undefined);
  await admin?.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  admin?.close();
  await locations?.cleanup();
  if (webDir !== undefined) await rm(webDir, { recursive: true, force: true });
});

describe('the dashboard with --auth kubernetes', () => {
  it('offers a viewer no button it may not use, and the API refuses the action anyway', async () => {
    const page = await signInAs('viewer');
    await page.goto(`${server.url}/#/schedules`);
    const row = page.locator('tr', { hasText: schedule });
    await row.waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    await page.goto(`${server.url}/#/restores`);
    await page.getByRole('heading', { name: 'Restores' }).waitFor();
    expect(await page.getByRole('link', { name: 'New restore' }).count()).toBe(0);
    await expectAccessible(page, 'restores as a viewer');
    await shot(page, SHOTS, 'rbac-viewer-restores');
    const refused = await fetch(`${server.url}/api/v1/schedules/${schedule}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tokens.viewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ paused: true }),
    });
    expect(refused.status).toBe(403);
    await page.close();
  });

  it('offers an operator pause, run now and new restore, and pausing works', async () => {
    const page = await signInAs('operator');
    await page.goto(`${server.url}/#/schedules`);
    const row = page.locator('tr', { hasText: schedule });
    await row.getByRole('button', { name: `Run now ${schedule}` }).waitFor();
    await row.getByRole('button', { name: `Pause ${schedule}` }).click();
    await row.getByRole('button', { name: `Unpause ${schedule}` }).waitFor();
    await shot(page, SHOTS, 'rbac-operator-schedules');
    await page.goto(`${server.url}/#/restores`);
    await page.getByRole('link', { name: 'New restore' }).waitFor();
    await page.close();
  });

  it('offers Verify to an operator (create backups/verify) and not to a viewer, whom the API refuses', async () => {
    const as = (who: Who, method: string, path: string, body?: object) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    await eventually(
      'backup accepted',
      async () => {
        const made = await as('operator', 'POST', '/api/v1/backups', {
          name: backup,
          template: { includedNamespaces: [ns] },
        });
        return made.status === 202 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    await eventually(
      'backup Completed',
      async () => {
        const b = (await (await as('viewer', 'GET', `/api/v1/backups/${backup}`)).json()) as {
          phase?: string;
        };
        return b.phase === 'Completed' ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    const viewer = await signInAs('viewer');
    await viewer.goto(`${server.url}/#/backups/${backup}`);
    await viewer.getByRole('link', { name: 'Browse contents' }).waitFor();
    await viewer.getByRole('region', { name: 'Items per resource' }).waitFor({ timeout: 60_000 });
    expect(await viewer.getByRole('button', { name: 'Verify backup' }).count()).toBe(0);
    expect((await as('viewer', 'POST', `/api/v1/backups/${backup}/verify`, {})).status).toBe(403);
    await viewer.close();
    const operator = await signInAs('operator');
    await operator.goto(`${server.url}/#/backups/${backup}`);
    await operator.getByRole('button', { name: 'Verify backup' }).click();
    await expect
      .poll(() => operator.getByRole('region', { name: 'Verification' }).textContent(), { timeout: 120_000 })
      .toContain('Every check passed');
    await shot(operator, SHOTS, 'rbac-operator-verify');
    await operator.close();
  });
});
