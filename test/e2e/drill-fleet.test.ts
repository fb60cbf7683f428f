import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stopControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { MAIN, runCli } from '../helpers/cli.ts';
import { Cluster } from '../helpers/drill.ts';
import { startFleetPlanes } from '../helpers/fleet-planes.ts';
import { eventually } from '../helpers/kube.ts';

/**
 * Scheduled drills of a discovered cluster, on real control planes: a management plane of this file
 * holds a Cluster API `Cluster` whose kubeconfig Secret reaches the harness's source and whose
 * annotation names a Secret reaching the harness's standby. `drill schedule create` accepts the
 * discovered cluster; two server replicas share the fleet through per-cluster Leases, and only the
 * one owning the cluster runs its drills (one at a time, under the standby's lock): the evidence is
 * in the bucket under the cluster's prefix, the owner's metrics say Passed, the standby is clean.
 */
const harness = inject('harness');
const TOKEN = randomBytes(24).toString('hex');
const suffix = randomBytes(3).toString('hex');
const cluster = `wl-${suffix}`;
const ns = `drill-fleet-${suffix}`;
const namespace = `lifeboat-df-${suffix}`;
let dir: string;
let configPath: string;
let management: ControlPlane;
let mgmt: Cluster;
let source: Cluster;
let standby: Cluster;

interface Replica {
  id: string;
  child: ChildProcess;
  url: string;
  log: () => string;
  exited: Promise<number | null>;
}
const replicas: Replica[] = [];

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], {
    env: { LIFEBOAT_CONFIG: configPath },
    timeoutMs: 300_000,
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-drill-fleet-'));
  await mkdir(join(dir, 'fs'));
  const planes = await startFleetPlanes(dir, namespace, []);
  planes.mgmtClient.close();
  management = planes.management;
  mgmt = new Cluster(management.kubeconfig);
  source = new Cluster(harness.clusters['source']!.kubeconfig);
  standby = new Cluster(harness.clusters['standby']!.kubeconfig);
  await mgmt.post(`/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters`, {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    metadata: {
      name: cluster,
      annotations: { 'lifeboat.io/standby-kubeconfig-secret': `${cluster}-standby` },
    },
    spec: {},
  });
  for (const [name, file] of [
    [`${cluster}-kubeconfig`, harness.clusters['source']!.kubeconfig],
    [`${cluster}-standby`, harness.clusters['standby']!.kubeconfig],
  ] as const)
    await mgmt.post(`/api/v1/namespaces/${namespace}/secrets`, {
      metadata: { name },
      stringData: { value: await readFile(file, 'utf8') },
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
    data: { a: '1' },
  });
  const backup = await lifeboat(
    'backup',
    'create',
    `b-${suffix}`,
    '--cluster',
    cluster,
    '--include-namespaces',
    ns,
  );
  expect(backup.status, backup.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  for (const r of replicas) r.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.exited));
  await source?.deleteNamespace(ns);
  await standby?.deleteNamespace(ns);
  mgmt?.close();
  source?.close();
  standby?.close();
  if (management !== undefined) await stopControlPlane(management);
  await rm(dir, { recursive: true, force: true });
});

async function startReplica(id: string): Promise<Replica> {
  const args = ['--log-level', 'info', '--log-format', 'json', 'server', '--listen', '127.0.0.1:0'];
  args.push('--kubeconfig', management.kubeconfig, '--leader-elect', '--lease-namespace', namespace);
  args.push('--replica-id', id, '--cluster-lease-duration', '6s', '--fleet-refresh', '3s');
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, LIFEBOAT_CONFIG: configPath, LIFEBOAT_API_TOKEN: TOKEN },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const url = await eventually(
    `replica ${id} listening`,
    () => Promise.resolve(/lifeboat server listening on (http:\/\/[\d.]+:\d+)/.exec(err)?.[1]),
    { timeoutMs: 180_000 },
  );
  const replica = { id, child, url, log: () => err, exited };
  replicas.push(replica);
  return replica;
}

async function metric(r: Replica, name: string): Promise<number | undefined> {
  const text = await (
    await fetch(`${r.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{cluster="${cluster}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** Whether the replica holds the discovered cluster's Lease now. */
async function owns(r: Replica): Promise<boolean> {
  const res = await fetch(`${r.url}/api/v1/clusters`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { replica: { owned: string[] } }).replica.owned.includes(cluster);
}

/** The drills a replica's log says it finished: `drill NAME Passed|Failed`. */
const finished = (r: Replica) =>
  r
    .log()
    .split('\n')
    .flatMap((l) => /"msg":"drill (drill-[^ "]+) (Passed|Failed)"/.exec(l)?.slice(1, 2) ?? []);

describe('scheduled drills of a discovered cluster', { timeout: 600_000 }, () => {
  it('are accepted by drill schedule create, naming the discovered cluster', async () => {
    const missing = await lifeboat(
      'drill',
      'schedule',
      'create',
      'x',
      '--cluster',
      `nope-${suffix}`,
      '--schedule',
      '0 3 1 * *',
    );
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(`nope-${suffix}`);
    const created = await lifeboat(
      'drill',
      'schedule',
      'create',
      'often',
      '--cluster',
      cluster,
      '--schedule',
      '*/20 * * * * *',
    );
    expect(created.status, created.stderr).toBe(0);
  });

  it('run on the replica owning the cluster only, into the standby its annotation names', async () => {
    const [a, b] = [await startReplica('r-a'), await startReplica('r-b')];
    // The first replica up takes every cluster; when the second comes up, the first hands some over
    // to even the shares. The owner is the one holding the cluster once that has settled.
    const owner = async () => ((await owns(a)) ? a : (await owns(b)) ? b : undefined);
    let seen: { replica: Replica; since: number } | undefined;
    const mine = await eventually(
      'the discovered cluster has one owner, stable for two lease periods',
      async () => {
        const now = await owner();
        if (now === undefined || now !== seen?.replica) seen = now && { replica: now, since: Date.now() };
        return seen !== undefined && Date.now() - seen.since >= 12_000 ? seen.replica : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    const settled = new Date(seen?.since ?? Date.now());
    const other = mine === a ? b : a;
    const logs = () =>
      `owner ${mine.id}:\n${mine.log().slice(-3000)}\nother ${other.id}:\n${other.log().slice(-2000)}`;
    const passed = await eventually(
      'a scheduled drill passed',
      async () =>
        (await metric(mine, 'lifeboat_drill_passed')) ?? (await metric(other, 'lifeboat_drill_passed')),
      { timeoutMs: 300_000, intervalMs: 1000 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${logs()}`);
    });
    expect(passed, logs()).toBe(1);
    const drilled = (await metric(mine, 'lifeboat_drill_passed')) === 1 ? mine : other;
    expect(await metric(drilled, 'lifeboat_drill_rto_seconds')).toBeGreaterThan(0);
    const stillOwner = await owns(mine);
    // Stopped, each replica interrupts a running drill (it cleans up and records it): every drill is logged.
    for (const r of [a, b]) r.child.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);
    // A drill is named after its slot (UTC, to the second): the slots after the owner settled ran on it alone.
    const slot = (name: string) =>
      new Date(name.slice(-14).replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/, '$1-$2-$3T$4:$5:$6Z'));
    if (stillOwner)
      expect(
        finished(other).filter((d) => slot(d) > settled),
        'the replica not owning the cluster ran none of its slots',
      ).toEqual([]);
    const ran = [...finished(mine), ...finished(other)];
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ran).size, 'no slot ran twice').toBe(ran.length);

    const listed = JSON.parse(
      (await lifeboat('drill', 'get', '--cluster', cluster, '-o', 'json')).stdout,
    ) as { name: string; cluster: string; outcome: string; intact: boolean }[];
    expect(listed.map((d) => d.name).sort()).toEqual([...ran].sort());
    const done = listed.find((d) => d.outcome === 'Passed' && d.intact);
    expect(done).toMatchObject({ cluster });
    const described = JSON.parse(
      (await lifeboat('drill', 'describe', done?.name ?? '', '--cluster', cluster, '-o', 'json')).stdout,
    ) as { report: { standby: string; backup: string } };
    expect(described.report).toMatchObject({
      standby: harness.clusters['standby']!.server,
      backup: `b-${suffix}`,
    });
    expect(await standby.namespaces()).not.toContain(ns);
  });
});
