import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWeb } from '../../scripts/build.ts';
import {
  backupThroughApi,
  dashboardApi,
  expectAccessible,
  launchChromium,
  openHash,
  SHOTS,
  shot,
  startDashboardServer,
  type ServerProcess,
} from '../helpers/dashboard.ts';
import { clients } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';

/**
 * The dashboard in Debian's Chromium against a real `lifeboat server` (source and standby control
 * planes, versitygw S3): sign-in, the fleet's RPO, a backup's contents with a Secret masked, and a
 * restore planned first and then run into the standby — with axe-core on every page and a
 * screenshot of each under SHOTS.
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const standby = harness.clusters['standby']!.kubeconfig;
const TOKEN = randomBytes(24).toString('hex');
const suffix = randomBytes(3).toString('hex');
const ns = `dash-${suffix}`;
const late = `late-${suffix}`;
const backup = `dash-${suffix}`;
const password = `hunter2-${suffix}`;

let locations: LocationsFixture;
let webDir: string;
let server: ServerProcess;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];

const api = dashboardApi(() => server, TOKEN);
const open = (hash: string) => openHash(page, server, hash);

beforeAll(async () => {
  locations = await createLocations(harness);
  webDir = await buildWeb(await mkdtemp(join(tmpdir(), 'lifeboat-web-')));
  const { core } = clients(source);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'settings' }, data: { colour: 'blue', mode: 'dashboard-test' } },
  });
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'db-creds' }, stringData: { password, user: 'admin' } },
  });
  const config = parse(await readFile(locations.configPath, 'utf8')) as Record<string, unknown>;
  // A schedule that never runs (1 January) with a 2 s objective: its RPO is breached 2 s after start.
  const template = { includedNamespaces: [ns], includeClusterResources: false };
  const schedules = [{ name: late, schedule: '0 0 1 1 *', rpo: '2s', storageLocation: 's3', template }];
  await writeFile(locations.configPath, stringify({ ...config, schedules }));
  server = await startDashboardServer(
    ['--kubeconfig', source, '--sync-period', '1s', '--enable-restore', '--restore-kubeconfig', standby],
    { ...locations.env, LIFEBOAT_API_TOKEN: TOKEN, LIFEBOAT_WEB_DIR: webDir },
  );
  await backupThroughApi(api, backup, { storageLocation: 's3', template });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  for (const kubeconfig of [source, standby])
    await clients(kubeconfig)
      .core.deleteNamespace({ name: ns })
      .catch(() => undefined);
  await locations?.cleanup();
  if (webDir !== undefined) await rm(webDir, { recursive: true, force: true });
});

describe('the dashboard in Chromium', () => {
  it('is served with its strict headers, and refuses a wrong token at sign-in', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)/);

    await page.goto(`${server.url}/`);
    await page.getByLabel('API token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused this token');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await expectAccessible(page, 'sign-in');
    await shot(page, SHOTS, 'signin');

    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('shows the breached RPO of a schedule that missed its objective on the fleet page', async () => {
    const row = page.locator('tr', { hasText: late });
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain('Breached');
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toMatch(/[1-9]\d* with a breached RPO/);
    await expectAccessible(page, 'fleet');
    await shot(page, SHOTS, 'fleet');
  });

  it('lists the backup with filters and shows its details', async () => {
    await open(`#/backups?phase=Completed`);
    await page.getByRole('link', { name: backup }).click();
    await page.getByRole('heading', { name: `Backup ${backup}` }).waitFor();
    expect(page.url()).toContain(`#/backups/${backup}`);
    await page.getByRole('region', { name: 'Items per resource' }).getByText('v1/ConfigMap').waitFor();
    await page.getByRole('region', { name: 'Items per namespace' }).getByText(ns).waitFor();
    await page.locator('pre.profile').waitFor({ timeout: 60_000 });
    await expectAccessible(page, 'backups');
    await shot(page, SHOTS, 'backup-detail');
    await open(`#/backups`);
    await page.getByRole('link', { name: backup }).waitFor();
    await expectAccessible(page, 'backup list');
    await shot(page, SHOTS, 'backups');
  });

  it('browses the contents: a ConfigMap in clear, a Secret masked by the server', async () => {
    await open(`#/backups/${backup}/contents`);
    await page.getByRole('link', { name: ns, exact: true }).click();
    await page.getByRole('link', { name: 'configmaps', exact: true }).click();
    await page.getByRole('link', { name: 'settings', exact: true }).click();
    await expect.poll(() => page.locator('pre.yaml').textContent()).toContain('colour: blue');
    await expectAccessible(page, 'contents: ConfigMap');
    await page.getByRole('link', { name: 'secrets', exact: true }).click();
    await page.getByRole('link', { name: 'db-creds', exact: true }).click();
    await expect.poll(() => page.locator('pre.yaml').textContent()).toContain('password: ••••••••');
    const yaml = (await page.locator('pre.yaml').textContent()) ?? '';
    expect(yaml).toContain('user: ••••••••');
    expect(yaml).not.toContain(Buffer.from(password).toString('base64'));
    expect(await page.content()).not.toContain(Buffer.from(password).toString('base64'));
    await page.getByRole('note').getByText('masked by the server').waitFor();
    await expectAccessible(page, 'contents: Secret');
    await shot(page, SHOTS, 'contents-secret');
    // The API answers the same to anyone with the token: masked before it leaves the server.
    const item = await api<{ yaml: string }>(
      `/api/v1/backups/${backup}/contents/item?resource=secrets&namespace=${ns}&name=db-creds`,
    );
    expect(item.body.yaml).not.toContain(Buffer.from(password).toString('base64'));
    expect((await fetch(`${server.url}/api/v1/backups/${backup}/contents`)).status).toBe(401);
  });

  it('plans a restore first, then restores into the standby and shows its result', async () => {
    await open(`#/restores/new?backup=${backup}`);
    await page.getByLabel('Namespaces').fill(ns);
    await page.getByRole('button', { name: 'Plan restore (dry run)' }).click();
    const plan = page.getByRole('region', { name: `Plan for backup ${backup}` });
    await plan.waitFor({ timeout: 120_000 });
    await expect.poll(() => plan.getByRole('status').textContent()).toMatch(/[1-9]\d* to create/);
    await expect
      .poll(() =>
        clients(standby)
          .core.readNamespace({ name: ns })
          .then(
            () => 'exists',
            () => 'absent',
          ),
      )
      .toBe('absent');
    await expectAccessible(page, 'restore plan');
    await shot(page, SHOTS, 'restore-plan');
    await plan.getByRole('button', { name: /Start the restore/ }).click();
    await page.waitForURL(/#\/restores\/[^/]+$/);
    await expect
      .poll(() => page.locator('.progress').textContent(), { timeout: 180_000, interval: 1000 })
      .toMatch(/Completed|PartiallyFailed/);
    expect(await page.locator('.progress').textContent()).toContain('Completed');
    await expectAccessible(page, 'restore result');
    await shot(page, SHOTS, 'restore-result');
    const { core } = clients(standby);
    const cm = await core.readNamespacedConfigMap({ namespace: ns, name: 'settings' });
    expect(cm.data).toMatchObject({ colour: 'blue' });
    const secret = await core.readNamespacedSecret({ namespace: ns, name: 'db-creds' });
    expect(Buffer.from(secret.data?.['password'] ?? '', 'base64').toString()).toBe(password);
    await open('#/restores');
    await expectAccessible(page, 'restores');
    await shot(page, SHOTS, 'restores');
  });

  it('pauses and unpauses a schedule, and shows locations and drills', async () => {
    await open('#/schedules');
    const row = page.locator('tr', { hasText: late });
    await row.getByRole('button', { name: `Pause ${late}` }).click();
    await row.getByRole('button', { name: `Unpause ${late}` }).waitFor();
    const config = parse(await readFile(locations.configPath, 'utf8')) as {
      schedules: { paused?: boolean }[];
    };
    expect(config.schedules[0]?.paused).toBe(true);
    await expectAccessible(page, 'schedules');
    await shot(page, SHOTS, 'schedules');
    await row.getByRole('button', { name: `Unpause ${late}` }).click();
    await row.getByRole('button', { name: `Pause ${late}` }).waitFor();

    await open('#/locations');
    await page.locator('tr', { hasText: 's3' }).getByText('Available').waitFor();
    await expectAccessible(page, 'locations');
    await shot(page, SHOTS, 'locations');
    await open('#/drills');
    await page.locator('.empty, table').first().waitFor();
    await expectAccessible(page, 'drills');
    await shot(page, SHOTS, 'drills');
  });

  it('fits a 375 px phone screen, and the page broke no CSP rule', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await open('#/');
    await page.locator('tr', { hasText: late }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible(page, 'fleet on a phone');
    await shot(page, SHOTS, 'fleet-phone');
    expect(cspViolations).toEqual([]);
  });
});
