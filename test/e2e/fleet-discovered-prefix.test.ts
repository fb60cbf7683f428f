import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stopControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { runCli } from '../helpers/cli.ts';
import { dashboardApi, startDashboardServer, type ServerProcess } from '../helpers/dashboard.ts';
import { Cluster } from '../helpers/drill.ts';
import { startFleetPlanes } from '../helpers/fleet-planes.ts';
import { eventually } from '../helpers/kube.ts';

/**
 * A discovered cluster whose storage folder is not the default one, on real control planes: a
 * management plane of this file holds a Cluster API `Cluster` annotated `lifeboat.io/prefix:
 * site/<name>`, whose kubeconfig Secret reaches the harness's source. The CLI's `--cluster` backs
 * it up under that prefix (resolved through discovery), and the server, which resolves it through
 * its fleet registry, lists its backups there and opens them: details and contents.
 */
const harness = inject('harness');
const TOKEN = randomBytes(24).toString('hex');
const suffix = randomBytes(3).toString('hex');
const cluster = `wl-${suffix}`;
const ns = `disc-prefix-${suffix}`;
const namespace = `lifeboat-dp-${suffix}`;
const prefix = `site/${cluster}`;
const backup = `b-${suffix}`;
let dir: string;
let configPath: string;
let management: ControlPlane;
let mgmt: Cluster;
let source: Cluster;
let server: ServerProcess;

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], { env: { LIFEBOAT_CONFIG: configPath }, timeoutMs: 300_000 });
const api = dashboardApi(() => server, TOKEN);
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-disc-prefix-'));
  await mkdir(join(dir, 'fs'));
  const planes = await startFleetPlanes(dir, namespace, []);
  planes.mgmtClient.close();
  management = planes.management;
  mgmt = new Cluster(management.kubeconfig);
  source = new Cluster(harness.clusters['source']!.kubeconfig);
  await mgmt.post(`/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters`, {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    metadata: { name: cluster, annotations: { 'lifeboat.io/prefix': prefix } },
    spec: {},
  });
  await mgmt.post(`/api/v1/namespaces/${namespace}/secrets`, {
    metadata: { name: `${cluster}-kubeconfig` },
    stringData: { value: await readFile(harness.clusters['source']!.kubeconfig, 'utf8') },
  });
  configPath = join(dir, 'config.yaml');
  await writeFile(
    configPath,
    stringify({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'Config',
      locations: [
        { name: 'fs', provider: 'filesystem', objectStorage: { bucket: join(dir, 'fs') }, default: true },
      ],
      clusters: [{ name: 'mgmt', kubeconfig: management.kubeconfig }],
      fleet: { managementCluster: 'mgmt', discover: { clusterApi: true, namespaces: [namespace] } },
    }),
  );
  await source.post('/api/v1/namespaces', { metadata: { name: ns } });
  await source.post(`/api/v1/namespaces/${ns}/configmaps`, {
    metadata: { name: 'settings' },
    data: { colour: 'green' },
  });
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await source?.deleteNamespace(ns);
  mgmt?.close();
  source?.close();
  if (management !== undefined) await stopControlPlane(management);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a discovered cluster with its own prefix', { timeout: 600_000 }, () => {
  it('is backed up by the CLI under the prefix its Cluster object names', async () => {
    const run = await lifeboat('backup', 'create', backup, '--cluster', cluster, '--include-namespaces', ns);
    expect(run.status, run.stderr).toBe(0);
    expect(await exists(join(dir, 'fs', prefix, 'backups', backup, 'velero-backup.json'))).toBe(true);
    expect(await exists(join(dir, 'fs', 'clusters', cluster))).toBe(false);
    const listed = await lifeboat('backup', 'get', '--cluster', cluster, '-o', 'json');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(backup);
  });

  it('has its backups listed and opened by the server, through its fleet registry', async () => {
    // A schedule targeting the cluster: the server lists the cluster's prefix in its location.
    const schedule = await lifeboat(
      'schedule',
      'create',
      `daily-${suffix}`,
      '--schedule',
      '0 3 * * *',
      '--clusters',
      cluster,
      '--include-namespaces',
      ns,
    );
    expect(schedule.status, schedule.stderr).toBe(0);
    server = await startDashboardServer(
      ['--kubeconfig', management.kubeconfig, '--sync-period', '1s', '--fleet-refresh', '2s'],
      { LIFEBOAT_CONFIG: configPath, LIFEBOAT_API_TOKEN: TOKEN },
    );
    type Row = { name: string; cluster?: string; phase: string };
    await eventually(
      `backup ${backup} listed under cluster ${cluster}`,
      async () => {
        const got = await api<{ items: Row[] }>(`/api/v1/backups?cluster=${cluster}`);
        return got.body.items.find((b) => b.name === backup && b.cluster === cluster);
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    const details = await api<{ resources: Record<string, number>; namespaces: Record<string, number> }>(
      `/api/v1/clusters/${cluster}/backups/${backup}/details`,
    );
    expect(details.status, JSON.stringify(details.body)).toBe(200);
    expect(JSON.stringify(details.body)).toContain('v1/ConfigMap');
    const contents = await api<unknown>(`/api/v1/clusters/${cluster}/backups/${backup}/contents`);
    expect(contents.status, JSON.stringify(contents.body)).toBe(200);
    expect(JSON.stringify(contents.body)).toContain(ns);
    const item = await api<{ yaml?: string }>(
      `/api/v1/clusters/${cluster}/backups/${backup}/contents/item?resource=configmaps&namespace=${ns}&name=settings`,
    );
    expect(item.status, JSON.stringify(item.body)).toBe(200);
    expect(JSON.stringify(item.body)).toContain('green');
  });
});
