import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildCli } from '../../scripts/build.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { runCli } from '../helpers/cli.ts';
import { seedEstate, type Estate } from '../helpers/estate.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';

/**
 * What ships: `npm run build`'s bundle, copied with package.json into a folder without node_modules,
 * backs up to each provider (their SDKs are chunks of the bundle), verifies, plans a restore, and
 * serves the HTTP API (the server image runs this bundle).
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const standby = harness.clusters['standby']!.kubeconfig;
const suffix = randomBytes(3).toString('hex');
let installed: string;
let main: string;
let estate: Estate;
let locations: LocationsFixture;

function lifeboat(...args: string[]) {
  return runCli(['--log-level', 'error', ...args], { env: locations.env, main });
}

beforeAll(async () => {
  installed = await mkdtemp(join(tmpdir(), 'lifeboat-built-'));
  main = await buildCli(join(installed, 'dist', 'bin'));
  await cp(join(import.meta.dirname, '..', '..', 'package.json'), join(installed, 'package.json'));
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  estate = await seedEstate(client, `built-${suffix}`);
  client.close();
  locations = await createLocations(harness);
});

afterAll(async () => {
  await locations.cleanup();
  await rm(installed, { recursive: true, force: true });
});

describe('the built CLI, on its own', () => {
  it('reports the version of its package.json', async () => {
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { version: string };
    const run = await lifeboat('--version');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('logs as text (its printer is a chunk loaded when asked for) and as JSON', async () => {
    const text = await lifeboat('--log-format', 'text', '--log-level', 'debug', 'backup', 'get');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] DEBUG: opened object store$/m);
    const json = await lifeboat('--log-format', 'json', '--log-level', 'debug', 'backup', 'get');
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stderr.split('\n')[0]!)).toMatchObject({ msg: 'opened object store' });
  });

  it.each(['fs', 's3', 'azure'])('backs up to %s and verifies the backup', async (location) => {
    const name = `built-${location}-${suffix}`;
    const created = await lifeboat(
      'backup',
      'create',
      name,
      '--kubeconfig',
      source,
      '--include-namespaces',
      `${estate.prefix}-*`,
      '--storage-location',
      location,
    );
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`Backup "${name}" Completed: \\d+ items`));
    const verified = await lifeboat('backup', 'verify', name, '--storage-location', location);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
  });

  it('plans a restore of it into the standby', async () => {
    const run = await lifeboat(
      'restore',
      'create',
      `plan-${suffix}`,
      '--from-backup',
      `built-s3-${suffix}`,
      '--storage-location',
      's3',
      '--kubeconfig',
      standby,
      '--dry-run',
      '-o',
      'json',
    );
    expect(run.status, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as { phase: string; plan: { totals: { create: number } } };
    expect(plan.phase).toBe('DryRun');
    expect(plan.plan.totals.create).toBeGreaterThan(10);
  });

  it('serves the HTTP API and its metrics', async () => {
    const server = spawn(
      process.execPath,
      [main, 'server', '--listen', '127.0.0.1:0', '--insecure-no-auth', '--kubeconfig', source],
      { env: { ...process.env, ...locations.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      let url: string | undefined;
      server.stdout.on('data', (c: Buffer) => (out += c.toString()));
      server.stderr.on('data', (c: Buffer) => (out += c.toString()));
      for (let i = 0; i < 100 && url === undefined; i++) {
        url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        if (url === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, out).toBeDefined();
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      // Ready once it has read the storage locations' backups.
      let ready = 0;
      for (let i = 0; i < 100 && ready !== 200; i++) {
        ready = (await fetch(`${url}/readyz`)).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('lifeboat_');
      const backups = (await (await fetch(`${url}/api/v1/backups`)).json()) as { items: { name: string }[] };
      expect(backups.items.map((b) => b.name)).toContain(`built-fs-${suffix}`);
    } finally {
      server.kill('SIGTERM');
      await once(server, 'close');
    }
  });
});
