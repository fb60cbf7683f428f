import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { runCli } from '../helpers/cli.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';

/**
 * Schedules from the CLI, as an operator uses them without a server: create (with AKS-HCI
 * attachments), list, describe, pause, run one now with `backup create --from-schedule`, then
 * garbage-collect the expired backups.
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'aks-hci');
const suffix = randomBytes(3).toString('hex');
const ns = `schedcli-${suffix}`;
const schedule = `schedcli-${suffix}`;
let loc: LocationsFixture;

const lifeboat = (...args: string[]) => runCli(['--log-level', 'error', ...args], { env: loc.env });

beforeAll(async () => {
  loc = await createLocations(harness);
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  try {
    await client.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    await client.json({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: { metadata: { name: 'settings' }, data: { mode: 'prod' } },
    });
  } finally {
    client.close();
  }
});

afterAll(async () => {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  await client.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  client.close();
  await loc?.cleanup();
});

const backupsOf = async (): Promise<string[]> => {
  const run = await lifeboat('backup', 'get', '-o', 'json');
  expect(run.status, run.stderr).toBe(0);
  const parsed = JSON.parse(run.stdout) as { name?: string; metadata?: { name: string } }[];
  return parsed
    .map((b) => b.metadata?.name ?? b.name ?? '')
    .filter((n) => n.startsWith(`${schedule}-`))
    .sort();
};

describe('schedule with attachments', () => {
  let first = '';

  it('is created with --attach, the files stored by absolute path', async () => {
    const created = await lifeboat(
      'schedule',
      'create',
      schedule,
      '--schedule',
      '0 */6 * * *',
      '--ttl',
      '1s',
      '--include-namespaces',
      ns,
      '--attach',
      `aks-hci-config=${join(fixtures, 'config.json')}`,
      '--attach',
      `aks-hci-cluster=${join(fixtures, 'cluster.json')}`,
    );
    expect(created.status, created.stderr).toBe(0);
    const got = await lifeboat('schedule', 'get', schedule, '-o', 'json');
    expect(got.status, got.stderr).toBe(0);
    const [s] = JSON.parse(got.stdout) as { attachments?: { kind: string; file: string }[] }[];
    expect(s?.attachments).toEqual([
      { kind: 'aks-hci-config', file: join(fixtures, 'config.json') },
      { kind: 'aks-hci-cluster', file: join(fixtures, 'cluster.json') },
    ]);
  });

  it('refuses an unknown attachment kind or a missing file (exit 2)', async () => {
    const kind = await lifeboat(
      'schedule',
      'create',
      `${schedule}-x`,
      '--schedule',
      '@daily',
      '--attach',
      'vmware=a.json',
    );
    expect(kind.status).toBe(2);
    expect(kind.stderr).toContain('aks-hci-config');
    const missing = await lifeboat(
      'schedule',
      'create',
      `${schedule}-x`,
      '--schedule',
      '@daily',
      '--attach',
      `aks-hci-config=${join(fixtures, 'no-such-file.json')}`,
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no-such-file.json');
  });

  it('backup create --from-schedule stores the profile with the redacted attachments', async () => {
    const run = await lifeboat(
      'backup',
      'create',
      '--from-schedule',
      schedule,
      '--kubeconfig',
      source,
      '-o',
      'json',
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { backup: { name: string } };
    first = result.backup.name;
    expect(first).toMatch(new RegExp(`^${schedule}-\\d{14}$`));
    const bytes = gunzipSync(
      await readFile(join(loc.fsRoot, 'backups', first, `${first}-cluster-profile.json.gz`)),
    );
    const text = bytes.toString('utf8');
    const profile = JSON.parse(text) as { attachments: { kind: string }[] };
    expect(profile.attachments.map((a) => a.kind)).toEqual(['aks-hci-config', 'aks-hci-cluster']);
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain('Pr0xyPassw0rd!');
    expect(await backupsOf()).toEqual([first]);
  });
});
