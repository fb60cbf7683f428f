import { readFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { eventually } from './kube.ts';
import { startServer, type ServerProcess } from './server.ts';

/** Where the dashboard tests save a screenshot of each page (LIFEBOAT_DASH_SHOTS, default /tmp/dash-shots). */
export const SHOTS = process.env['LIFEBOAT_DASH_SHOTS'] ?? join(tmpdir(), 'dash-shots');

/** Debian's Chromium (.ci/run and the harness install it). */
export const CHROMIUM = '/usr/bin/chromium';

export type { ServerProcess };

/** `lifeboat server` from source on a free loopback port, serving the dashboard built in webDir. */
export function startDashboardServer(args: string[], env: Record<string, string>): Promise<ServerProcess> {
  return startServer({ args, env, timeoutMs: 120_000 });
}

export async function launchChromium(): Promise<Browser> {
  // Root in CI: Chromium's own sandbox needs user namespaces that a container may not have.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, which the page's CSP does not
 * govern) and expects no serious or critical violation; returns all violations for the record.
 */
export async function expectAccessible(page: Page, what: string): Promise<AxeViolation[]> {
  await page.evaluate(await axeSource);
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
  );
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `${what}: ${JSON.stringify(bad, null, 1)}`).toEqual([]);
  return violations;
}

/** Saves a screenshot of the page under dir (made if need be). */
export async function shot(page: Page, dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The API of a server as a caller with `token`: a JSON body in, the status and the JSON answer out. */
export type DashboardApi = <T>(path: string, init?: RequestInit) => Promise<{ status: number; body: T }>;

/** Calls to the API of the server `server()` gives (started later than the helper is made), with `token`. */
export function dashboardApi(server: () => ServerProcess, token: string): DashboardApi {
  return async <T>(path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server().url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    return { status: res.status, body: (await res.json()) as T };
  };
}

/** Opens a page of the dashboard (`#/…`) and waits for its heading. */
export async function openHash(page: Page, server: ServerProcess, hash: string): Promise<void> {
  await page.goto(`${server.url}/${hash}`);
  await page.locator('main h1').first().waitFor();
}

/** Signs in at the dashboard's sign-in page with `token` and waits for the fleet overview. */
export async function signIn(page: Page, server: ServerProcess, token: string): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
}

/**
 * A backup started with POST /api/v1/backups (asked again while the server answers 503: its
 * scheduler starts after the first sync), then waited for until it is Completed and synced.
 */
export async function backupThroughApi(api: DashboardApi, name: string, body: object): Promise<void> {
  await eventually(
    `backup ${name} accepted`,
    async () => {
      const made = await api('/api/v1/backups', { method: 'POST', body: JSON.stringify({ name, ...body }) });
      if (made.status === 503) return undefined;
      expect(made.status, JSON.stringify(made.body)).toBe(202);
      return true;
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
  await eventually(
    `backup ${name} Completed and synced`,
    async () =>
      (await api<{ phase: string }>(`/api/v1/backups/${name}`)).body.phase === 'Completed' ? true : undefined,
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
}
