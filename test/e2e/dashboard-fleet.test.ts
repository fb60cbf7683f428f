import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWeb } from '../../scripts/build.ts';
import { TICKET_KEY_SECRET } from '../../src/server/ticket-key.ts';
import { runCli } from '../helpers/cli.ts';
import {
  backupThroughApi,
  dashboardApi,
  expectAccessible,
  launchChromium,
  openHash,
  signIn,
  SHOTS,
  shot,
  startDashboardServer,
  type ServerProcess,
} from '../helpers/dashboard.ts';
import { clients, eventually } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';

/**
 * The dashboard over a registered fleet, in Debian's Chromium against a real `lifeboat server`:
 * two clusters added with `cluster add` (the harness's source, with the standby as its standby, and
 * the standby itself), backed up into versitygw S3 by one `--clusters` schedule; a DR drill run into
 * the standby. The fleet page shows a row per cluster with its RPO state and owner replica, and the
 * drill on its timeline; the drill's report opens in place with its own styles; a backup is
 * verified on demand, and a damaged one fails with its findings listed. A fleet cluster's own backup
 * (under its prefix) is listed with its cluster, has a detail page, a contents browser with a Secret
 * masked, and verifies, at links that name the cluster.
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const standby = harness.clusters['standby']!.kubeconfig;
const TOKEN = randomBytes(24).toString('hex');
const suffix = randomBytes(3).toString('hex');
const ns = `dash-fleet-${suffix}`;
const east = `east-${suffix}`;
const west = `west-${suffix}`;
const schedule = `fleet-${suffix}`;
const replica = `dash-replica-${suffix}`;
const drill = `drill-${suffix}`;
const verified = `verify-${suffix}`;
const damaged = `damaged-${suffix}`;
const secretValue = `s3cr3t-${randomBytes(8).toString('hex')}`;
/** Where the east cluster's backup is restored in the standby (its namespace mapped). */
const restored = `${ns}-restored`;
type BackupItem = { name: string; cluster?: string; phase: string; started?: string };
type RestoreItem = { name: string; cluster?: string; phase: string };

let locations: LocationsFixture;
let webDir: string;
let server: ServerProcess;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];

const lifeboat = async (...args: string[]) => {
  const run = await runCli(['--log-level', 'error', ...args], { env: locations.env, timeoutMs: 600_000 });
  expect(run.status, `lifeboat ${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run;
};

const api = dashboardApi(() => server, TOKEN);
const open = (hash: string) => openHash(page, server, hash);
const serverBackup = (name: string, storageLocation: string) =>
  backupThroughApi(api, name, {
    storageLocation,
    template: { includedNamespaces: [ns], includeClusterResources: false },
  });

beforeAll(async () => {
  locations = await createLocations(harness);
  webDir = await buildWeb(await mkdtemp(join(tmpdir(), 'lifeboat-web-')));
  const { core } = clients(source);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'settings' }, data: { colour: 'green' } },
  });
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'db-creds' }, stringData: { password: secretValue } },
  });
  await lifeboat(
    'cluster',
    'add',
    east,
    '--kubeconfig',
    source,
    '--standby',
    standby,
    '--storage-location',
    's3',
  );
  await lifeboat('cluster', 'add', west, '--kubeconfig', standby, '--storage-location', 's3');
  await lifeboat(
    'schedule',
    'create',
    schedule,
    '--schedule',
    '*/20 * * * * *',
    '--rpo',
    '10m',
    '--ttl',
    '1h',
    '--clusters',
    `${east},${west}`,
    '--include-namespaces',
    ns,
    '--storage-location',
    's3',
  );
  await lifeboat('backup', 'create', `b-${east}`, '--cluster', east, '--include-namespaces', ns);
  const run = await lifeboat(
    'drill',
    'run',
    '--cluster',
    east,
    '--backup',
    `b-${east}`,
    '--name',
    drill,
    // Another test file's drill may hold the standby's lock meanwhile.
    '--wait-lock',
    '-o',
    'json',
  );
  expect((JSON.parse(run.stdout) as { outcome: string }).outcome).toBe('Passed');
  server = await startDashboardServer(
    [
      '--kubeconfig',
      source,
      '--sync-period',
      '1s',
      '--replica-id',
      replica,
      '--enable-restore',
      '--restore-kubeconfig',
      standby,
    ],
    {
      ...locations.env,
      LIFEBOAT_API_TOKEN: TOKEN,
      LIFEBOAT_WEB_DIR: webDir,
    },
  );
  await serverBackup(verified, 's3');
  await serverBackup(damaged, 'fs');
  // The damaged backup's resource list is replaced: its checksum and its items no longer match.
  await writeFile(
    join(locations.fsRoot, 'backups', damaged, `${damaged}-resource-list.json.gz`),
    gzipSync(JSON.stringify({ 'v1/ConfigMap': [`${ns}/ghost`] })),
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  await signIn(page, server, TOKEN);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  for (const kubeconfig of [source, standby])
    await clients(kubeconfig)
      .core.deleteNamespace({ name: ns })
      .catch(() => undefined);
  await clients(standby)
    .core.deleteNamespace({ name: restored })
    .catch(() => undefined);
  await locations?.cleanup();
  if (webDir !== undefined) await rm(webDir, { recursive: true, force: true });
});

describe('the dashboard over a registered fleet', () => {
  it('shows one row per cluster with its RPO state, last backup and owner replica', async () => {
    const table = page.getByRole('region', { name: 'Clusters and their recovery point objectives' });
    for (const cluster of [east, west]) {
      const row = table.locator('tr', { has: page.getByRole('rowheader', { name: cluster, exact: true }) });
      await expect.poll(() => row.textContent(), { timeout: 180_000, interval: 1000 }).toContain('OK');
      const text = (await row.textContent()) ?? '';
      expect(text).toContain(schedule);
      expect(text).toContain(replica);
      expect(text).toMatch(new RegExp(`${schedule}-${cluster}-\\d{14}`));
    }
    expect(await table.locator('tbody tr').count()).toBe(2);
    // The east cluster's last drill, from the drills API.
    const eastRow = table.locator('tr', { has: page.getByRole('rowheader', { name: east, exact: true }) });
    await expect.poll(() => eastRow.textContent(), { timeout: 120_000, interval: 1000 }).toContain('Passed');
    await expectAccessible(page, 'fleet of two clusters');
    await shot(page, SHOTS, 'fleet-registered');
  });

  it("gives each cluster its own row on the 7-day timeline, counting that cluster's backups", async () => {
    const timeline = page.getByRole('region', { name: 'Backups and drills per cluster and day' });
    const rowOf = (name: string) =>
      timeline.locator('tr', { has: page.getByRole('rowheader', { name, exact: true }) });
    // Today's cell of the cluster's row against the API's count of its backups completed today (UTC).
    const matches = async (cluster: string) => {
      const day = new Date().toISOString().slice(0, 10);
      const got = await api<{ items: BackupItem[] }>(`/api/v1/backups?cluster=${cluster}`);
      const completed = got.body.items.filter(
        (b) => b.cluster === cluster && b.phase === 'Completed' && b.started?.startsWith(day) === true,
      ).length;
      const cell = (await rowOf(cluster).locator('td').last().textContent()) ?? '';
      return completed > 0 && cell.includes(`${completed} completed`) ? completed : `${completed}: ${cell}`;
    };
    const counts: number[] = [];
    for (const cluster of [east, west]) {
      await expect.poll(() => matches(cluster), { timeout: 180_000, interval: 1000 }).toBeTypeOf('number');
      counts.push((await matches(cluster)) as number);
    }
    // The drill of east is on east's row only; the server's own backups have a row of their own.
    expect(
      await rowOf(east)
        .getByRole('link', { name: `Drill ${drill} of ${east} passed` })
        .count(),
    ).toBe(1);
    expect(await rowOf(west).getByRole('link').count()).toBe(0);
    expect(await rowOf('this server’s cluster').count()).toBe(1);
    expect(await timeline.locator('tbody tr').count()).toBe(3);
    expect(await timeline.getByRole('columnheader').count()).toBe(8);
    await expectAccessible(page, 'fleet timeline per cluster');
    await shot(page, SHOTS, 'fleet-timeline');
  });

  it('marks the drill on the timeline, and its report opens in place with its own styles', async () => {
    const legend = page.getByRole('list', { name: 'Legend' });
    expect(await legend.textContent()).toContain('drill passed');
    const mark = page.getByRole('link', { name: `Drill ${drill} of ${east} passed` });
    await mark.click();
    await page.getByRole('heading', { name: `Drill ${drill}` }).waitFor();
    expect(page.url()).toContain(`#/drills/${drill}`);
    await page.getByText('intact (every file matches its manifest)').waitFor();
    const frame = page.frameLocator('iframe.report');
    const badge = frame.locator('h1 .badge');
    await badge.waitFor({ timeout: 60_000 });
    expect(await badge.textContent()).toBe('Passed');
    // The report's inline styles apply in the frame (under its own policy), not the defaults.
    type Styled = { getComputedStyle(el: unknown): Record<string, string> };
    const style = (el: unknown, property: string) =>
      (globalThis as unknown as Styled).getComputedStyle(el)[property];
    expect(await badge.evaluate(style, 'backgroundColor')).toBe('rgb(26, 127, 55)');
    expect(await frame.locator('body').evaluate(style, 'maxWidth')).not.toBe('none');
    expect(await frame.locator('svg rect').count()).toBeGreaterThan(0);
    const src = (await page.locator('iframe.report').getAttribute('src')) ?? '';
    expect(src).toMatch(new RegExp(`^/api/v1/drills/${drill}/report\\.html\\?ticket=`));
    expect(src).not.toContain(TOKEN);
    expect(await page.locator('iframe.report').getAttribute('sandbox')).toBe('');
    await expectAccessible(page, 'drill report');
    await shot(page, SHOTS, 'drill-report');
    expect(cspViolations).toEqual([]);
  });

  it('opens a report only with a ticket issued for that drill, to a caller with the token', async () => {
    const report = `/api/v1/drills/${drill}/report.html`;
    expect(
      (await fetch(`${server.url}/api/v1/drills/${drill}/report-ticket`, { method: 'POST' })).status,
    ).toBe(401);
    const issued = await api<{ url: string; expires: string }>(`/api/v1/drills/${drill}/report-ticket`, {
      method: 'POST',
      body: '{}',
    });
    expect(issued.status).toBe(200);
    const good = await fetch(`${server.url}${issued.body.url}`);
    expect(good.status).toBe(200);
    expect(good.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox",
    );
    expect(good.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(await good.text()).toContain(`DR drill ${drill}`);
    const ticket = new URL(issued.body.url, server.url).searchParams.get('ticket') ?? '';
    const [expiry, mac] = ticket.split('.') as [string, string];
    const forged = `${expiry}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    const later = `${Number(expiry) + 3_600_000}.${mac}`;
    const expired = `${Number(expiry) - 120_000}.${mac}`;
    for (const bad of [forged, later, expired, ''])
      expect((await fetch(`${server.url}${report}?ticket=${encodeURIComponent(bad)}`)).status).toBe(403);
    expect((await fetch(`${server.url}${report}`)).status).toBe(403);
    // Another drill's name with this drill's ticket.
    expect(
      (await fetch(`${server.url}/api/v1/drills/other-${suffix}/report.html?ticket=${ticket}`)).status,
    ).toBe(403);
  });

  it('verifies a backup on demand, and lists the findings of a damaged one', async () => {
    await open(`#/backups/${verified}`);
    await page.getByRole('button', { name: 'Verify backup' }).click();
    const section = page.getByRole('region', { name: 'Verification' });
    await expect
      .poll(() => section.getByRole('status').textContent(), { timeout: 120_000, interval: 1000 })
      .toContain('Every check passed');
    expect(await section.getByRole('list', { name: 'Checks' }).textContent()).toContain('checksums');
    expect(await section.textContent()).toContain('Findings (0)');
    await expectAccessible(page, 'backup verified');
    await shot(page, SHOTS, 'backup-verified');

    await open(`#/backups/${damaged}`);
    await page.getByRole('button', { name: 'Verify backup' }).click();
    await expect
      .poll(() => section.getByRole('status').textContent(), { timeout: 120_000, interval: 1000 })
      .toContain('Verification failed');
    const findings = (await section.getByRole('list', { name: 'Findings' }).textContent()) ?? '';
    expect(findings).toContain(`${damaged}-resource-list.json.gz: checksum mismatch`);
    expect(await section.getByRole('list', { name: 'Checks' }).textContent()).toContain('FAILED');
    await expectAccessible(page, 'backup failing verification');
    await shot(page, SHOTS, 'backup-verify-failed');
    const state = await api<{ phase: string; report: { problems: string[] } }>(
      `/api/v1/backups/${damaged}/verify`,
    );
    expect(state.body.phase).toBe('Failed');
    expect(state.body.report.problems.length).toBeGreaterThan(0);
    expect(cspViolations).toEqual([]);
  });

  it("shows a fleet cluster's backup with its cluster: counts, contents with a Secret masked, verified", async () => {
    const backup = `b-${east}`;
    const encoded = Buffer.from(secretValue).toString('base64');
    type Row = { name: string; cluster?: string; phase: string };
    const listed = await eventually(
      `backup ${backup} listed under cluster ${east}`,
      async () => {
        const got = await api<{ items: Row[] }>(`/api/v1/backups?cluster=${east}`);
        return got.body.items.some((b) => b.name === backup) ? got.body.items : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(listed.every((b) => b.cluster === east)).toBe(true);
    const own = await api<{ items: Row[] }>('/api/v1/backups?cluster=-');
    expect(own.body.items.some((b) => b.name === verified && b.cluster === undefined)).toBe(true);
    expect(own.body.items.some((b) => b.cluster !== undefined)).toBe(false);
    // The server's own backups keep their routes; a fleet cluster's is found only under its cluster.
    expect((await api(`/api/v1/backups/${verified}/details`)).status).toBe(200);
    expect((await api(`/api/v1/backups/${backup}`)).status).toBe(404);
    expect((await api(`/api/v1/clusters/${west}/backups/${backup}`)).status).toBe(404);
    expect((await api(`/api/v1/clusters/nope-${suffix}/backups/${backup}/details`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/clusters/${east}/backups/${backup}`)).status).toBe(401);

    await open(`#/backups?cluster=${east}`);
    const row = page.locator('tr', { has: page.getByRole('link', { name: backup, exact: true }) });
    await expect.poll(() => row.textContent(), { timeout: 60_000, interval: 1000 }).toContain(east);
    await row.getByRole('link', { name: backup, exact: true }).click();
    await page.getByRole('heading', { name: `Backup ${backup}` }).waitFor();
    expect(page.url()).toContain(`#/clusters/${east}/backups/${backup}`);
    const perResource = page.getByRole('table', { name: 'Items per resource' });
    await expect.poll(() => perResource.textContent(), { timeout: 60_000 }).toContain('v1/Secret');
    expect(await perResource.textContent()).toContain('v1/ConfigMap');
    expect(await page.getByRole('table', { name: 'Items per namespace' }).textContent()).toContain(ns);
    await expectAccessible(page, "a fleet cluster's backup");
    await shot(page, SHOTS, 'fleet-backup');

    await page.getByRole('link', { name: 'Browse contents' }).click();
    await page.getByRole('link', { name: ns, exact: true }).click();
    expect(page.url()).toContain(`#/clusters/${east}/backups/${backup}/contents`);
    await page.getByRole('link', { name: 'secrets', exact: true }).click();
    await page.getByRole('link', { name: 'db-creds', exact: true }).click();
    await expect
      .poll(() => page.locator('pre.yaml').textContent(), { timeout: 60_000, interval: 500 })
      .toContain('password: ••••••••');
    expect(await page.content()).not.toContain(encoded);
    expect(await page.content()).not.toContain(secretValue);
    await page.getByRole('note').getByText('masked by the server').waitFor();
    await expectAccessible(page, "a fleet cluster's backup: Secret");
    await shot(page, SHOTS, 'fleet-backup-secret');

    await open(`#/clusters/${east}/backups/${backup}`);
    await page.getByRole('button', { name: 'Verify backup' }).click();
    const section = page.getByRole('region', { name: 'Verification' });
    await expect
      .poll(() => section.getByRole('status').textContent(), { timeout: 120_000, interval: 1000 })
      .toContain('Every check passed');
    expect(await section.getByRole('list', { name: 'Checks' }).textContent()).toContain('checksums');
    // Its progress, as the server recorded it while reading: every byte it had to read, read.
    expect(await section.locator('.progress-text').textContent()).toMatch(
      /^100% · .+ of .+ read, \d+ items checked/,
    );
    const state = await api<{
      phase: string;
      cluster: string;
      progress: { bytesRead: number; bytesTotal: number };
    }>(`/api/v1/clusters/${east}/backups/${backup}/verify`);
    expect(state.body).toMatchObject({ phase: 'Verified', cluster: east });
    expect(state.body.progress.bytesTotal).toBeGreaterThan(0);
    expect(state.body.progress.bytesRead).toBe(state.body.progress.bytesTotal);
    await expectAccessible(page, "a fleet cluster's backup verified");
    await shot(page, SHOTS, 'fleet-backup-verified');
    expect(cspViolations).toEqual([]);
  });

  it("restores a fleet cluster's backup from the dashboard: its plan first, then into the standby, listed under its cluster", async () => {
    const backup = `b-${east}`;
    const standbyNamespace = () =>
      clients(standby)
        .core.readNamespace({ name: restored })
        .then(
          () => 'exists',
          () => 'absent',
        );
    await open(`#/restores/new?backup=${backup}&cluster=${east}`);
    await page.getByLabel('Namespace mappings', { exact: true }).fill(`${ns}:${restored}`);
    await page.getByRole('button', { name: 'Plan restore (dry run)' }).click();
    const plan = page.getByRole('region', { name: `Plan for backup ${backup}` });
    await plan.waitFor({ timeout: 120_000 });
    await expect.poll(() => plan.getByRole('status').textContent()).toMatch(/[1-9]\d* to create/);
    await plan.getByRole('heading', { name: 'Pre-flight findings' }).waitFor();
    expect(await plan.getByRole('table', { name: 'Namespace' }).textContent()).toContain(restored);
    expect(await standbyNamespace()).toBe('absent');
    await expectAccessible(page, "a fleet cluster's restore plan");
    await shot(page, SHOTS, 'fleet-restore-plan');

    await plan.getByRole('button', { name: /Start the restore/ }).click();
    await page.waitForURL(new RegExp(`#/clusters/${east}/restores/[^/?]+`));
    const name = decodeURIComponent(/restores\/([^/?]+)/.exec(page.url())?.[1] ?? '');
    await expect
      .poll(() => page.locator('.progress').textContent(), { timeout: 180_000, interval: 1000 })
      .toMatch(/Completed|PartiallyFailed|Failed/);
    expect(await page.locator('.progress').textContent()).toContain('Completed');
    const cm = await clients(standby).core.readNamespacedConfigMap({ namespace: restored, name: 'settings' });
    expect(cm.data).toMatchObject({ colour: 'green' });
    await expectAccessible(page, "a fleet cluster's restore");
    await shot(page, SHOTS, 'fleet-restore-result');

    // Its record is under east's prefix: listed with its cluster, at its cluster's route only.
    const ofEast = await api<{ items: RestoreItem[] }>(`/api/v1/restores?cluster=${east}`);
    expect(ofEast.body.items).toContainEqual(
      expect.objectContaining({ name, cluster: east, phase: 'Completed' }),
    );
    const all = await api<{ items: RestoreItem[] }>('/api/v1/restores');
    expect(all.body.items.filter((r) => r.name === name)).toEqual([
      expect.objectContaining({ cluster: east }),
    ]);
    const own = await api<{ items: RestoreItem[] }>('/api/v1/restores?cluster=-');
    expect(own.body.items.some((r) => r.name === name)).toBe(false);
    const one = await api<RestoreItem & { backup: string; location: string }>(
      `/api/v1/clusters/${east}/restores/${name}`,
    );
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name, cluster: east, backup, phase: 'Completed', location: 's3' });
    expect((await api(`/api/v1/restores/${name}`)).status).toBe(404);
    expect((await api(`/api/v1/clusters/${west}/restores/${name}`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/clusters/${east}/restores/${name}`)).status).toBe(401);

    await open('#/restores');
    const row = page.locator('tr', { has: page.getByRole('link', { name, exact: true }) });
    await expect.poll(() => row.textContent(), { timeout: 60_000, interval: 1000 }).toContain(east);
    await expectAccessible(page, 'restores with a fleet cluster’s');
    await row.getByRole('link', { name, exact: true }).click();
    await page.waitForURL(new RegExp(`#/clusters/${east}/restores/${name}`));
    await expect
      .poll(() => page.locator('.progress').textContent(), { timeout: 30_000 })
      .toContain('Completed');
    expect(cspViolations).toEqual([]);
  });

  it('streams a change of the backups to a client with the token, and to no one without', async () => {
    expect((await fetch(`${server.url}/api/v1/events`)).status).toBe(401);
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/v1/events`, {
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    if (res.body === null) throw new Error('the event stream has no body');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    try {
      await serverBackup(`live-${suffix}`, 'fs');
      while (!/event: change\ndata: \{"topics":\[[^\]]*"backups"/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
    } finally {
      controller.abort();
    }
    expect(text).toMatch(/event: change\ndata: \{"topics":\[[^\]]*"backups"/);
  });

  it('opens a report with a ticket from one replica on another (their shared key), never a forged one', async () => {
    // Two replicas with leader election in the test's namespace, without schedules: they serve the drills.
    const config = parse(await readFile(locations.configPath, 'utf8')) as Record<string, unknown>;
    const replicaConfig = join(webDir, 'replicas.yaml');
    await writeFile(
      replicaConfig,
      stringify(Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'schedules'))),
    );
    const replicaArgs = (id: string) => [
      '--kubeconfig',
      source,
      '--leader-elect',
      '--lease-namespace',
      ns,
      '--lease-name',
      `tickets-${suffix}`,
      '--lease-duration',
      '5s',
      '--replica-id',
      id,
      '--orphan-grace',
      '24h',
    ];
    const env = {
      ...locations.env,
      LIFEBOAT_CONFIG: replicaConfig,
      LIFEBOAT_API_TOKEN: TOKEN,
      LIFEBOAT_WEB_DIR: webDir,
    };
    // Started together: both may find the Secret absent, one creates it, the other reads the winner's.
    const replicas = await Promise.all([
      startDashboardServer(replicaArgs(`a-${suffix}`), env),
      startDashboardServer(replicaArgs(`b-${suffix}`), env),
    ]);
    try {
      const ticketFrom = async (r: ServerProcess) => {
        const res = await fetch(`${r.url}/api/v1/drills/${drill}/report-ticket`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: '{}',
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { url: string }).url;
      };
      for (const [issuer, other] of [replicas, [...replicas].reverse()] as [ServerProcess, ServerProcess][]) {
        const url = await ticketFrom(issuer);
        const opened = await fetch(`${other.url}${url}`);
        expect(opened.status).toBe(200);
        expect(await opened.text()).toContain(`DR drill ${drill}`);
        const ticket = new URL(url, other.url).searchParams.get('ticket') ?? '';
        const [expiry, mac] = ticket.split('.') as [string, string];
        const forged = `${expiry}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
        const report = `/api/v1/drills/${drill}/report.html`;
        expect((await fetch(`${other.url}${report}?ticket=${encodeURIComponent(forged)}`)).status).toBe(403);
        // The key of the server without the shared Secret is its own: its tickets open nothing elsewhere.
        expect((await fetch(`${server.url}${url}`)).status).toBe(403);
      }
      const secret = await clients(source).core.readNamespacedSecret({
        namespace: ns,
        name: TICKET_KEY_SECRET,
      });
      const key = secret.data?.['key'] ?? '';
      expect(Buffer.from(key, 'base64').length).toBe(32);
      for (const r of replicas) expect(r.output()).not.toContain(key);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });
});
