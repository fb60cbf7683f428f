import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { startControlPlane, stopControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { runCli } from '../helpers/cli.ts';
import { uniqueName } from '../helpers/kube.ts';
import { writeFilesystemConfig } from '../helpers/locations.ts';

/**
 * The site's recovery side on three real control planes: `standby` is the management cluster (and
 * the cold standby of both workload clusters), `source` is workload cluster wc1, a plane of this file
 * is wc2. Each is backed up under its prefix with its AKS-HCI exports; wc2's backup needs a
 * StorageClass the standby lacks. Then: standby check per cluster and for the fleet, the site runbook
 * in the seed's order, and the runbook's own restore commands run as written.
 */
const harness = inject('harness');
const sourceKubeconfig = harness.clusters['source']!.kubeconfig;
const standbyKubeconfig = harness.clusters['standby']!.kubeconfig;
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'aks-hci');
const ns1 = uniqueName('wc1-app');
const ns2 = uniqueName('wc2-app');
const missingClass = uniqueName('fast');
let dir: string;
let bucket: string;
let plane: ControlPlane;
let env: Record<string, string>;

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], { env, timeoutMs: 150_000 });

async function ok(...args: string[]): Promise<string> {
  const run = await lifeboat(...args);
  expect(run.status, `lifeboat ${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

async function seed(kubeconfig: string, ns: string, pvcClass?: string): Promise<void> {
  const client = new KubeClient(loadKubeConfig({ kubeconfig }));
  try {
    await client.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    await client.json({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: { metadata: { name: 'settings' }, data: { cluster: ns } },
    });
    if (pvcClass !== undefined)
      await client.json({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
        body: {
          metadata: { name: 'data' },
          spec: {
            storageClassName: pvcClass,
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
          },
        },
      });
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-site-'));
  plane = await startControlPlane('wc2', join(dir, 'wc2'));
  const config = join(dir, 'config.yaml');
  bucket = join(dir, 'bucket');
  await writeFilesystemConfig(config, bucket);
  env = { LIFEBOAT_CONFIG: config };
  await seed(sourceKubeconfig, ns1);
  await seed(plane.kubeconfig, ns2, missingClass);
  // akswc2: one control-plane node of another size and two load-balancer VMs.
  const akswc2 = (await readFile(join(fixtures, 'cluster.json'), 'utf8'))
    .replaceAll('akswc1', 'akswc2')
    .replace('"ControlPlaneNodeCount":  3', '"ControlPlaneNodeCount":  1')
    .replace('"Count":  1', '"Count":  2');
  await writeFile(join(dir, 'akswc2.json'), akswc2);

  await ok('cluster', 'add', 'mgmt', '--kubeconfig', standbyKubeconfig, '--role', 'management');
  await ok('cluster', 'add', 'wc1', '--kubeconfig', sourceKubeconfig, '--standby', standbyKubeconfig);
  await ok('cluster', 'add', 'wc2', '--kubeconfig', plane.kubeconfig, '--standby', standbyKubeconfig);

  const attach = (kind: string, file: string) => ['--attach', `${kind}=${file}`];
  await ok('backup', 'create', 'wc1-old', '--cluster', 'wc1', '--include-namespaces', ns1);
  await ok(
    'backup',
    'create',
    'mgmt-config',
    '--cluster',
    'mgmt',
    '--include-namespaces',
    'default',
    ...attach('aks-hci-config', join(fixtures, 'config-utf16le.json')),
  );
  await ok(
    'backup',
    'create',
    'wc2-nightly',
    '--cluster',
    'wc2',
    '--include-namespaces',
    ns2,
    ...attach('aks-hci-cluster', join(dir, 'akswc2.json')),
  );
  await ok(
    'backup',
    'create',
    'wc1-nightly',
    '--cluster',
    'wc1',
    '--include-namespaces',
    ns1,
    ...attach('aks-hci-cluster', join(fixtures, 'cluster.json')),
    ...attach('aks-hci-nodepool', join(fixtures, 'nodepool-utf16be.json')),
  );
});

afterAll(async () => {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: sourceKubeconfig }));
  await client.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns1}` }).catch(() => undefined);
  client.close();
  const target = new KubeClient(loadKubeConfig({ kubeconfig: standbyKubeconfig }));
  await target.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns1}` }).catch(() => undefined);
  target.close();
  if (plane) await stopControlPlane(plane);
  await rm(dir, { recursive: true, force: true });
});

describe('the management cluster in the fleet', () => {
  it('is shown with its role', async () => {
    const table = await ok('cluster', 'get');
    expect(table.split('\n')[0]).toMatch(/^NAME\s+ROLE\s+IDENTITY/);
    expect(table).toMatch(/\nmgmt\s+management\s+[0-9a-f-]{36}\s/);
    expect(table).toMatch(/\nwc1\s+workload\s+[0-9a-f-]{36}\s/);
    expect(await ok('cluster', 'describe', 'mgmt')).toMatch(/Role:\s+management\n/);
    const second = await lifeboat(
      'cluster',
      'add',
      'mgmt2',
      '--kubeconfig',
      plane.kubeconfig,
      '--role',
      'management',
    );
    expect(second.status).not.toBe(0);
    expect(second.stderr).toMatch(/cluster 'mgmt' is already the site's management cluster/);
  });
});

interface StandbyJson {
  cluster: string;
  backup: string;
  ready: boolean;
  findings: { severity: string; code: string; message: string }[];
}

describe('standby check per cluster and for the fleet', () => {
  it('checks a cluster’s registered standby against its newest backup', async () => {
    const run = await lifeboat('standby', 'check', '--cluster', 'wc1', '-o', 'json');
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as StandbyJson;
    expect(result).toMatchObject({ cluster: 'wc1', backup: 'wc1-nightly', ready: true });

    const blocked = await lifeboat('standby', 'check', '--cluster', 'wc2');
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toMatch(/for backup "wc2-nightly" .*NOT READY/);
    expect(blocked.stdout).toMatch(
      new RegExp(`BLOCKING\\s+STORAGE_CLASS_MISSING\\s+StorageClass ${missingClass}`),
    );
  });

  it('checks every standby of the fleet, names the blocked one, and exits 1', async () => {
    const run = await lifeboat('standby', 'check', '--fleet');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^Fleet standby check: NOT READY — 1 ready, 1 with blocking findings, 0 not checked\n/,
    );
    expect(run.stdout).toMatch(/\nCLUSTER\s+ROLE\s+BACKUP\s+STANDBY\s+RESULT\s+BLOCKING\s+WARNINGS\s+INFO\n/);
    expect(run.stdout).toMatch(/\nwc1\s+workload\s+wc1-nightly\s+https:\/\/127\.0\.0\.1:\d+\s+READY\s+0\s/);
    expect(run.stdout).toMatch(
      /\nwc2\s+workload\s+wc2-nightly\s+https:\/\/127\.0\.0\.1:\d+\s+NOT READY\s+[1-9]/,
    );
    expect(run.stdout).toContain('Clusters without a standby (not checked): mgmt');
    expect(run.stdout).toMatch(
      /Cluster wc2 \(prefix clusters\/wc2\/ of location fs\):\nBLOCKING\s+STORAGE_CLASS_MISSING/,
    );

    const json = await lifeboat('standby', 'check', '--fleet', '-o', 'json');
    expect(json.status).toBe(1);
    const fleet = JSON.parse(json.stdout) as {
      ready: boolean;
      withoutStandby: string[];
      clusters: { cluster: string; result?: { ready: boolean } }[];
    };
    expect(fleet.ready).toBe(false);
    expect(fleet.withoutStandby).toEqual(['mgmt']);
    expect(fleet.clusters.map((c) => [c.cluster, c.result?.ready])).toEqual([
      ['wc1', true],
      ['wc2', false],
    ]);
  });
});

describe('the site runbook', () => {
  it('rebuilds the management cluster first, then each workload cluster with its own New-AksHciCluster', async () => {
    const md = await ok('runbook', '--fleet');
    const parts = [...md.matchAll(/^## Part (\d)\. (.*)$/gm)].map((m) => m[2]);
    expect(parts).toEqual([
      expect.stringMatching(
        /^Management cluster mgmt from backup mgmt-config \(prefix clusters\/mgmt\/ of location fs, aks-hci\)$/,
      ),
      expect.stringMatching(/^Workload cluster wc1 from backup wc1-nightly \(prefix clusters\/wc1\//),
      expect.stringMatching(/^Workload cluster wc2 from backup wc2-nightly \(prefix clusters\/wc2\//),
    ]);
    const part = (n: number) =>
      md.slice(md.indexOf(`## Part ${n}.`), n < 3 ? md.indexOf(`## Part ${n + 1}.`) : undefined);
    expect(part(1)).toMatch(/Set-AksHciConfig `[\s\S]*Install-AksHci/);
    expect(part(1)).not.toContain('New-AksHciCluster');
    expect(part(2)).toMatch(/New-AksHciCluster `\n {2}-name akswc1 `[\s\S]*-controlPlaneNodeCount 3 `/);
    expect(part(2)).toMatch(/-loadBalancerCount 1/);
    expect(part(2)).not.toContain('Set-AksHciConfig');
    expect(part(3)).toMatch(/New-AksHciCluster `\n {2}-name akswc2 `[\s\S]*-controlPlaneNodeCount 1 `/);
    expect(part(3)).toMatch(/-loadBalancerCount 2/);
    expect(part(3)).toContain(`${missingClass}`);
    for (const [n, name, backup] of [
      [2, 'wc1', 'wc1-nightly'],
      [3, 'wc2', 'wc2-nightly'],
    ] as const) {
      expect(part(n)).toContain(`lifeboat standby check --cluster ${name} --from-backup ${backup}`);
      expect(part(n)).toContain(
        `lifeboat location create ${name}-recovery --provider filesystem --bucket ${bucket} --prefix clusters/${name} --access-mode ReadOnly`,
      );
      expect(part(n)).toContain(
        `lifeboat restore create --from-backup ${backup} --storage-location ${name}-recovery --kubeconfig <standby kubeconfig> --existing-resource-policy none`,
      );
    }

    const text = await ok('runbook', '--fleet', '-o', 'text');
    expect(text).not.toContain('```');
    expect(text).toMatch(/^Part 1\. Management cluster mgmt/m);
    const json = JSON.parse(await ok('runbook', '--fleet', '-o', 'json')) as {
      parts: { cluster: string; role: string; backup: string; prefix: string }[];
    };
    expect(json.parts.map((p) => [p.cluster, p.role, p.backup, p.prefix])).toEqual([
      ['mgmt', 'management', 'mgmt-config', 'clusters/mgmt'],
      ['wc1', 'workload', 'wc1-nightly', 'clusters/wc1'],
      ['wc2', 'workload', 'wc2-nightly', 'clusters/wc2'],
    ]);
  });

  it('gives one cluster its part, from a named backup too', async () => {
    const md = await ok('runbook', '--cluster', 'wc1', '--from-backup', 'wc1-old');
    expect(md).toMatch(/^# Recovery runbook for backup wc1-old/);
    expect(md).toContain('lifeboat restore create --from-backup wc1-old --storage-location wc1-recovery');
    expect(md).not.toContain('Set-AksHciConfig');
  });

  it('restores a workload cluster with the runbook’s own commands', async () => {
    const md = await ok('runbook', '--cluster', 'wc1');
    const create = /^lifeboat (location create wc1-recovery --provider .*)$/m.exec(md)?.[1];
    expect(create).toBeDefined();
    await ok(...(create ?? '').split(' '));
    const restore = /^lifeboat (restore create --from-backup wc1-nightly .*)$/m.exec(md)?.[1] ?? '';
    // --wait-lock: a drill of another test file may hold the standby's lock meanwhile.
    await ok(...restore.replace('<standby kubeconfig>', standbyKubeconfig).split(' '), '--wait-lock');
    const client = new KubeClient(loadKubeConfig({ kubeconfig: standbyKubeconfig }));
    try {
      const cm = await client.json<{ data: Record<string, string> }>({
        path: `/api/v1/namespaces/${ns1}/configmaps/settings`,
      });
      expect(cm.data).toEqual({ cluster: ns1 });
    } finally {
      client.close();
    }
  });
});
