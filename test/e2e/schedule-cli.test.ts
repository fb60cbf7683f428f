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

interface Decision {
  name: string;
  location: string;
  delete: boolean;
  reasons: string[];
}

describe('schedule and gc from the CLI', () => {
  const adhoc = `schedcli-adhoc-${suffix}`;
  let names: string[] = [];

  it('refuses a bad cron or duration with exit 2, naming the field', async () => {
    const cron = await lifeboat('schedule', 'create', `${schedule}-bad`, '--schedule', '61 * * * *');
    expect(cron.status).toBe(2);
    expect(cron.stderr).toContain('minute');
    const ttl = await lifeboat(
      'schedule',
      'create',
      `${schedule}-bad`,
      '--schedule',
      '@daily',
      '--ttl',
      'forever',
    );
    expect(ttl.status).toBe(2);
    expect(ttl.stderr).toContain('ttl');
    const got = await lifeboat('schedule', 'get', '-o', 'json');
    expect((JSON.parse(got.stdout) as { name: string }[]).map((s) => s.name)).toEqual([schedule]);
  });

  it('describes next runs and the RPO', async () => {
    const run = await lifeboat('schedule', 'describe', schedule, '-o', 'json');
    expect(run.status, run.stderr).toBe(0);
    const [status] = JSON.parse(run.stdout) as {
      nextRuns: string[];
      paused: boolean;
      lastSuccessful?: { name: string };
      rpo: { state: string; objectiveSeconds: number };
    }[];
    expect(status?.nextRuns).toHaveLength(3);
    for (const at of status?.nextRuns ?? []) expect(new Date(at).getUTCHours() % 6).toBe(0);
    expect(status?.lastSuccessful?.name).toMatch(new RegExp(`^${schedule}-`));
    expect(status?.rpo.objectiveSeconds).toBe(12 * 3600);
    expect(status?.rpo.state).toBe('OK');
    const text = await lifeboat('schedule', 'describe', schedule);
    expect(text.stdout).toMatch(/Next runs: +\d{4}-/);
    expect(text.stdout).toMatch(/RPO: +OK/);
  });

  it('pauses and unpauses', async () => {
    const paused = async () =>
      (
        JSON.parse((await lifeboat('schedule', 'get', schedule, '-o', 'json')).stdout) as {
          paused?: boolean;
        }[]
      )[0]?.paused === true;
    expect((await lifeboat('schedule', 'pause', schedule)).status).toBe(0);
    expect(await paused()).toBe(true);
    const table = await lifeboat('schedule', 'get');
    expect(table.stdout).toMatch(new RegExp(`${schedule} +Paused`));
    expect((await lifeboat('schedule', 'unpause', schedule)).status).toBe(0);
    expect(await paused()).toBe(false);
    expect((await lifeboat('schedule', 'unpause', 'no-such-schedule')).status).not.toBe(0);
  });

  it('runs the schedule now with Velero’s name and schedule label', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // names have a one-second resolution
    const run = await lifeboat('backup', 'create', '--from-schedule', schedule, '--kubeconfig', source);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    names = await backupsOf();
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name).toMatch(new RegExp(`^${schedule}-\\d{14}$`));
      const stored = JSON.parse(
        await readFile(join(loc.fsRoot, 'backups', name, 'velero-backup.json'), 'utf8'),
      ) as {
        metadata: { labels: Record<string, string> };
        spec: { ttl: string; includedNamespaces: string[] };
      };
      expect(stored.metadata.labels['velero.io/schedule-name']).toBe(schedule);
      expect(stored.spec.includedNamespaces).toEqual([ns]);
    }
    const ad = await lifeboat('backup', 'create', adhoc, '--kubeconfig', source, '--include-namespaces', ns);
    expect(ad.status, ad.stderr).toBe(0);
  });

  it('gc --dry-run lists the expired backups and deletes nothing', async () => {
    await new Promise((r) => setTimeout(r, 1500)); // both scheduled backups' 1s TTL is over
    const run = await lifeboat('gc', '--dry-run', '-o', 'json', '--kubeconfig', source);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { decisions: Decision[]; deleted: unknown[]; dryRun: boolean };
    expect(report.dryRun).toBe(true);
    expect(report.deleted).toEqual([]);
    const doomed = report.decisions.filter((d) => d.delete).map((d) => d.name);
    expect(doomed).toEqual([names[0]]);
    const newest = report.decisions.find((d) => d.name === names[1]);
    expect(newest?.delete).toBe(false);
    expect(report.decisions.find((d) => d.name === adhoc)?.delete).toBe(false);
    const table = await lifeboat('gc', '--dry-run', '--kubeconfig', source);
    expect(table.stdout).toContain('1 backup(s) would be deleted');
    expect(await backupsOf()).toEqual(names);
  });

  it('gc deletes only the expired backup and keeps the newest Completed one of the schedule', async () => {
    const run = await lifeboat('gc', '-o', 'json', '--kubeconfig', source);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { deleted: { name: string }[] };
    expect(report.deleted.map((d) => d.name)).toEqual([names[0]]);
    expect(await backupsOf()).toEqual([names[1]]);
    const all = await lifeboat('backup', 'get', '-o', 'json');
    expect(all.stdout).toContain(adhoc);
    const again = await lifeboat('gc', '-o', 'json', '--kubeconfig', source);
    expect((JSON.parse(again.stdout) as { deleted: unknown[] }).deleted).toEqual([]);
    expect(await backupsOf()).toEqual([names[1]]);
  });
});
