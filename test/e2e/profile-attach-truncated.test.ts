import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { runCli } from '../helpers/cli.ts';
import { writeFilesystemConfig } from '../helpers/locations.ts';
import { KEPT, leaks, plant } from '../helpers/secret-corpus.ts';

/**
 * The operator's documented command, as Windows PowerShell 5.1 runs it:
 * `Get-AksHciConfig | ConvertTo-Json > config.json` — UTF-16 LE with a BOM, CRLF, nested values cut
 * to type names by the default -Depth 2, secrets of every shape inside. The backup succeeds with a
 * warning naming what was cut, and the stored profile holds none of the secrets.
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'aks-hci');
const suffix = randomBytes(3).toString('hex');
const ns = `trunc-${suffix}`;
const backup = `trunc-${suffix}`;
let dir: string;
let env: Record<string, string>;
let configFile: string;

const lifeboat = (...args: string[]) => runCli(['--log-level', 'error', ...args], { env });

/** What `>` in Windows PowerShell 5.1 writes: UTF-16 LE, BOM, CRLF, 4-space indents. */
const powershellFile = (value: unknown) =>
  Buffer.concat([
    Buffer.from([0xff, 0xfe]),
    Buffer.from(JSON.stringify(value, null, 4).replace(/\n/g, '\r\n'), 'utf16le'),
  ]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-trunc-'));
  const config = join(dir, 'config.yaml');
  await writeFilesystemConfig(config, join(dir, 'bucket'));
  env = { LIFEBOAT_CONFIG: config };
  configFile = join(dir, 'config.json');
  await writeFile(configFile, powershellFile(plant()));
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
  await rm(dir, { recursive: true, force: true });
});

describe('backup create --attach with a ConvertTo-Json -Depth 2 export', () => {
  it('completes, warning which values were cut off', async () => {
    const created = await lifeboat(
      'backup',
      'create',
      backup,
      '--kubeconfig',
      source,
      '--include-namespaces',
      ns,
      '--attach',
      `aks-hci-config=${configFile}`,
      '--attach',
      `aks-hci-cluster=${join(fixtures, 'cluster-depth2-utf16le.json')}`,
    );
    expect(created.status, created.stdout + created.stderr).toBe(0);
    const described = await lifeboat('backup', 'describe', backup);
    expect(described.status, described.stderr).toBe(0);
    expect(described.stdout).toContain('Phase:        Completed');
    expect(described.stdout).toContain('\nWarnings:\n');
    expect(described.stdout).toMatch(/Get-AksHciConfig JSON was truncated .* at: Moc\.commands;/);
    expect(described.stdout).toMatch(/Get-AksHciCluster JSON was truncated .* at: \[0\]\.AutoScalerProfile/);
  });

  it('stores a profile whose bytes hold none of the secrets, and the values the runbook needs', async () => {
    const bytes = gunzipSync(
      await readFile(join(dir, 'bucket', 'backups', backup, `${backup}-cluster-profile.json.gz`)),
    );
    const text = bytes.toString('utf8');
    expect(leaks(text)).toEqual([]);
    for (const kept of KEPT) expect(text).toContain(kept);
    const runbook = await lifeboat('runbook', '--from-backup', backup, '--platform', 'aks-hci');
    expect(runbook.status, runbook.stderr).toBe(0);
    expect(runbook.stdout).toContain('-vipPoolStart 10.0.0.41');
    expect(runbook.stdout).toContain('-loadBalancerCount 1');
    expect(leaks(runbook.stdout)).toEqual([]);
  });

  it('refuses before backing up when a value the runbook needs was cut off', async () => {
    const run = await lifeboat(
      'backup',
      'create',
      `${backup}-needed`,
      '--kubeconfig',
      source,
      '--include-namespaces',
      ns,
      '--attach',
      `aks-hci-config=${join(fixtures, 'config-depth2-needed.json')}`,
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Moc.dnsservers');
    expect(run.stderr).toContain('ConvertTo-Json -Depth 10');
  });
});

describe("a schedule's attachment", () => {
  const schedule = `trunc-s-${suffix}`;
  const file = () => join(dir, 'scheduled-config.json');
  const describeLatest = async () => {
    const got = await lifeboat('backup', 'get', '-o', 'json');
    const names = (JSON.parse(got.stdout) as { name?: string; metadata?: { name: string } }[])
      .map((b) => b.metadata?.name ?? b.name ?? '')
      .filter((n) => n.startsWith(`${schedule}-`))
      .sort();
    return (await lifeboat('backup', 'describe', names.at(-1)!)).stdout;
  };

  it('cut off at depth 2: the scheduled backup completes with the warning', async () => {
    await writeFile(file(), await readFile(join(fixtures, 'config-depth2-utf16le.json')));
    const created = await lifeboat(
      'schedule',
      'create',
      schedule,
      '--schedule',
      '0 */6 * * *',
      '--include-namespaces',
      ns,
      '--attach',
      `aks-hci-config=${file()}`,
    );
    expect(created.status, created.stderr).toBe(0);
    const run = await lifeboat('backup', 'create', '--from-schedule', schedule, '--kubeconfig', source);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const described = await describeLatest();
    expect(described).toContain('Phase:        Completed');
    expect(described).toMatch(/Get-AksHciConfig JSON was truncated .* at: Moc\.commands, AksHci\.commands/);
  });

  it('unreadable at run time: the backup is stored PartiallyFailed, the error in its results', async () => {
    await writeFile(file(), 'Moc    : {catalog, ipaddressprefix}\r\nAksHci : {manifestCache}\r\n');
    const run = await lifeboat('backup', 'create', '--from-schedule', schedule, '--kubeconfig', source);
    expect(run.status, run.stderr).toBe(3); // PartiallyFailed
    const described = await describeLatest();
    expect(described).toContain('Phase:        PartiallyFailed');
    expect(described).toContain('\nErrors:\n');
    expect(described).toMatch(/scheduled-config\.json .*table\/list output, not JSON/);
  });
});
