import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { stopControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import {
  type Replica,
  startFleetPlanes,
  startReplica as startFleetReplica,
} from '../helpers/fleet-planes.ts';
import { runCli } from '../helpers/cli.ts';
import { eventually } from '../helpers/kube.ts';

/**
 * The fleet's housekeeping on real control planes: a management plane of this file holds the Leases
 * and a Cluster API `Cluster` (with its kubeconfig Secret, and an annotation naming its standby's
 * Secret) for a workload plane holding many large ConfigMaps, so that its backup takes a while. Two
 * server replicas share the two clusters. GC deletes the management cluster's expired backups from
 * its prefix, by its owner only; a POST of a cluster backup runs on the owner only; `schedule
 * describe` shows each target cluster with its owner; a replica SIGKILLed mid-backup leaves a folder
 * the other marks Failed when it takes the cluster over, and the next slot runs under its own name;
 * the discovered cluster's standby (from its annotation) is checked and in the runbook.
 */
const harness = inject('harness');
const TOKEN = randomBytes(24).toString('hex');
/** The workload's data: enough that a backup of it lasts seconds (each ConfigMap ~800 KB). */
const CONFIGMAPS = 60;
let dir: string;
let fsRoot: string;
let configPath: string;
let management: ControlPlane;
let workload: ControlPlane;
let mgmtClient: KubeClient;
const namespace = `lifeboat-hk-${randomBytes(3).toString('hex')}`;

const replicas: Replica[] = [];

const post = (client: KubeClient, path: string, body: unknown) => client.text({ method: 'POST', path, body });

async function registerWorkload(): Promise<void> {
  await post(mgmtClient, `/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters`, {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    metadata: {
      name: 'wl',
      labels: { env: 'prod' },
      annotations: { 'lifeboat.io/standby-kubeconfig-secret': 'wl-standby' },
    },
    spec: {},
  });
  for (const [name, file] of [
    ['wl-kubeconfig', workload.kubeconfig],
    ['wl-standby', harness.clusters['standby']!.kubeconfig],
  ] as const)
    await post(mgmtClient, `/api/v1/namespaces/${namespace}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name },
      stringData: { value: await readFile(file, 'utf8') },
    });
}

/** Many large ConfigMaps in the workload: its backup honestly takes seconds. */
async function fillWorkload(): Promise<void> {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: workload.kubeconfig }));
  try {
    await post(client, '/api/v1/namespaces', { metadata: { name: 'bulk' } });
    for (let i = 0; i < CONFIGMAPS; i += 4)
      await Promise.all(
        [0, 1, 2, 3].map((j) =>
          post(client, '/api/v1/namespaces/bulk/configmaps', {
            metadata: { name: `blob-${i + j}` },
            data: { blob: randomBytes(600_000).toString('base64') },
          }),
        ),
      );
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-fleet-hk-'));
  fsRoot = join(dir, 'fs');
  await mkdir(fsRoot);
  const planes = await startFleetPlanes(dir, namespace, ['wl']);
  management = planes.management;
  workload = planes.workloads[0]!;
  mgmtClient = planes.mgmtClient;
  await registerWorkload();
  await fillWorkload();
  configPath = join(dir, 'config.yaml');
  await writeFile(
    configPath,
    stringify({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'Config',
      locations: [{ name: 'fs', provider: 'filesystem', objectStorage: { bucket: fsRoot }, default: true }],
      clusters: [{ name: 'mgmt', kubeconfig: management.kubeconfig }],
      fleet: { managementCluster: 'mgmt', discover: { clusterApi: true, namespaces: [namespace] } },
      schedules: [
        {
          name: 'short',
          schedule: '*/5 * * * * *',
          ttl: '10s',
          clusters: { names: ['mgmt'] },
          template: { includedNamespaces: ['kube-system'], includeClusterResources: false },
        },
        {
          name: 'bulk',
          schedule: '*/20 * * * * *',
          rpo: '10m',
          ttl: '1h',
          clusters: { selector: 'env=prod' },
          template: { includedNamespaces: ['bulk'], includeClusterResources: false },
        },
      ],
    }),
  );
}, 300_000);

afterAll(async () => {
  for (const r of replicas) r.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.exited));
  mgmtClient?.close();
  await Promise.all([management, workload].filter((p) => p !== undefined).map((p) => stopControlPlane(p)));
  await rm(dir, { recursive: true, force: true });
});

async function startReplica(id: string): Promise<Replica> {
  const replica = await startFleetReplica({
    id,
    kubeconfig: management.kubeconfig,
    namespace,
    configPath,
    token: TOKEN,
    args: [
      '--cluster-lease-duration',
      '6s',
      '--fleet-refresh',
      '3s',
      '--sync-period',
      '2s',
      '--gc-period',
      '3s',
      '--shutdown-grace',
      '5s',
    ],
  });
  replicas.push(replica);
  return replica;
}

interface ClustersView {
  replica: { identity: string; owned: string[] };
}

async function api(r: Replica, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${r.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const folder = (cluster: string, name = '') => join(fsRoot, 'clusters', cluster, 'backups', name);
const stored = (cluster: string) => readdir(folder(cluster)).catch(() => [] as string[]);

async function record(
  cluster: string,
  name: string,
): Promise<{ status: { phase?: string; failureReason?: string } } | undefined> {
  const text = await readFile(join(folder(cluster, name), 'velero-backup.json'), 'utf8').catch(
    () => undefined,
  );
  return text === undefined ? undefined : (JSON.parse(text) as { status: { phase?: string } });
}

/** Each replica's logged run outcomes and GC deletions, by backup name. */
const logged = (r: Replica, pattern: RegExp) => [...r.output().matchAll(pattern)].map((m) => m[1]!);
const RUNS = /"msg":"backup (\S+) (?:Completed|PartiallyFailed|Failed)"/g;

const GC_MGMT = /^gc: deleted backup (\S+) of cluster mgmt$/;

/** A replica's JSON log lines. */
function entries(r: Replica): { time: number; msg: string }[] {
  return r
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { time: number; msg: string });
}

/** Whether the replica held the cluster's Lease at that time, by its own log of taking and losing it. */
function ownedAt(r: Replica, cluster: string, time: number): boolean {
  let owned = false;
  for (const e of entries(r)) {
    if (e.time > time) break;
    if (e.msg.startsWith(`cluster ${cluster}: took its lease`)) owned = true;
    if (e.msg.startsWith(`cluster ${cluster}: no longer owned`)) owned = false;
  }
  return owned;
}

/** The owner of each cluster as the replicas' API reports it now. */
async function ownersNow(): Promise<Map<string, string | undefined>> {
  const live = replicas.find((r) => r.child.exitCode === null && r.child.signalCode === null) ?? replicas[0]!;
  const view = (await api(live, '/api/v1/clusters')).json as { items: { name: string; owner?: string }[] };
  return new Map(view.items.map((c) => [c.name, c.owner]));
}

describe('the fleet’s housekeeping across two replicas', () => {
  it('spreads the two clusters over the replicas', async () => {
    const started = await Promise.all(['r1', 'r2'].map((id) => startReplica(id)));
    const owners = await eventually(
      'each replica owns one cluster',
      async () => {
        const views = await Promise.all(started.map((r) => api(r, '/api/v1/clusters')));
        const map = new Map<string, Replica>();
        views.forEach((v, i) => {
          for (const c of (v.json as ClustersView).replica.owned) map.set(c, started[i]!);
        });
        return map.size === 2 && new Set(map.values()).size === 2 ? map : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect([...owners.keys()].sort()).toEqual(['mgmt', 'wl']);
  }, 400_000);

  it('collects the expired backups of a cluster’s prefix on its owner only', async () => {
    const deletions = await eventually(
      'expired backups of mgmt deleted',
      () => {
        const all = replicas.flatMap((r) =>
          entries(r)
            .filter((e) => GC_MGMT.test(e.msg))
            .map((e) => ({ r, e })),
        );
        return Promise.resolve(all.length >= 2 ? all : undefined);
      },
      { timeoutMs: 150_000, intervalMs: 1000 },
    );
    // Never two replicas on one prefix: each deletion by a replica holding mgmt's Lease then, each name once.
    const names = deletions.map((d) => GC_MGMT.exec(d.e.msg)?.[1] ?? '');
    expect(new Set(names).size).toBe(names.length);
    for (const { r, e } of deletions)
      expect(ownedAt(r, 'mgmt', e.time), `${r.id} deleted ${e.msg} without the Lease`).toBe(true);
    const left = await stored('mgmt');
    for (const name of names) {
      expect(name).toMatch(/^short-mgmt-\d{14}$/);
      expect(left).not.toContain(name);
    }
    // The newest good backup of the schedule always stays.
    const kept = await Promise.all(left.map((n) => record('mgmt', n)));
    expect(kept.some((b) => b?.status.phase === 'Completed')).toBe(true);
  }, 200_000);

  it('runs a cluster backup asked of the API on the cluster’s owner only', async () => {
    const holder = (await ownersNow()).get('mgmt');
    const owner = replicas.find((r) => r.id === holder)!;
    const other = replicas.find((r) => r !== owner)!;
    const body = {
      cluster: 'mgmt',
      name: 'asked-mgmt',
      template: { includedNamespaces: ['kube-system'], includeClusterResources: false },
    };
    const refused = await api(other, '/api/v1/backups', body);
    expect(refused.status).toBe(503);
    expect((refused.json as { message: string }).message).toContain(`owned by replica ${owner.id}`);
    const unknown = await api(owner, '/api/v1/backups', { ...body, cluster: 'nope' });
    expect(unknown.status).toBe(404);
    expect((unknown.json as { message: string }).message).toMatch(/no cluster named 'nope'/);
    const accepted = await api(owner, '/api/v1/backups', body);
    expect(accepted.status).toBe(202);
    expect(accepted.json).toMatchObject({ name: 'asked-mgmt', cluster: 'mgmt', phase: 'InProgress' });
    await eventually(
      'the asked backup completed under the prefix',
      async () => ((await record('mgmt', 'asked-mgmt'))?.status.phase === 'Completed' ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(await readdir(join(fsRoot, 'backups')).catch(() => [])).toEqual([]);
  }, 120_000);

  it('describes a --clusters schedule per target cluster with its owner', async () => {
    const env = { LIFEBOAT_CONFIG: configPath };
    const args = ['schedule', 'describe', 'short', 'bulk', '--lease-namespace', namespace];
    // Ownership may move under load (a Lease not renewed in time): the row names an owner of the moment.
    const before = await ownersNow();
    const json = await runCli([...args, '-o', 'json'], { env, timeoutMs: 120_000 });
    const after = await ownersNow();
    const ownerOf = (c: string) => [before.get(c), after.get(c)];
    expect(json.status, json.stderr).toBe(0);
    const statuses = JSON.parse(json.stdout) as {
      name: string;
      clusters?: { cluster: string; owner?: string; nextRun?: string; lastSuccessful?: { name: string } }[];
    }[];
    const short = statuses.find((s) => s.name === 'short')?.clusters ?? [];
    expect(short.map((c) => c.cluster)).toEqual(['mgmt']);
    expect(ownerOf('mgmt')).toContain(short[0]?.owner);
    expect(short[0]?.lastSuccessful?.name).toMatch(/^short-mgmt-\d{14}$/);
    expect(short[0]?.nextRun).toBeDefined();
    const bulk = statuses.find((s) => s.name === 'bulk')?.clusters ?? [];
    expect(bulk.map((c) => c.cluster)).toEqual(['wl']);
    expect(ownerOf('wl')).toContain(bulk[0]?.owner);
    const text = await runCli(args, { env, timeoutMs: 120_000 });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /Clusters:\n\s+CLUSTER\s+OWNER\s+LAST SUCCESSFUL\s+COMPLETED\s+NEXT RUN\s+RPO/,
    );
    expect(text.stdout).toMatch(/\n\s+mgmt\s+r[12]\s+short-mgmt-\d{14}/);
  }, 300_000);

  it('marks Failed a backup whose replica was killed mid-run, and runs the next slot under its own name', async () => {
    // Wait for a backup of wl in progress: its claim is stored, its archive (and so its record) not yet.
    const partial = await eventually(
      'a backup of wl in progress',
      async () => {
        for (const name of await stored('wl')) {
          const files = await readdir(folder('wl', name)).catch(() => [] as string[]);
          const archived = files.some((f) => f.endsWith('.tar.gz') || f === 'velero-backup.json');
          if (files.includes(`${name}-claim.json`) && !archived) return name;
        }
        return undefined;
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    const claim = JSON.parse(
      await readFile(join(folder('wl', partial), `${partial}-claim.json`), 'utf8'),
    ) as {
      writer?: string;
    };
    const victim = replicas.find((r) => r.id === claim.writer);
    expect(victim, `writer ${claim.writer ?? '<none>'}`).toBeDefined();
    victim!.child.kill('SIGKILL');
    await victim!.exited;
    const killedAt = Date.now();
    expect(await record('wl', partial)).toBeUndefined();
    const survivor = replicas.find((r) => r !== victim)!;

    const failed = await eventually(
      'the partial backup marked Failed',
      async () => {
        const b = await record('wl', partial);
        return b?.status.phase === undefined ? undefined : b;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(failed.status.phase).toBe('Failed');
    expect(failed.status.failureReason).toMatch(
      new RegExp(`replica ${victim!.id} stopped mid-backup .*replica ${survivor.id} holds the lease now`),
    );

    const slotTime = (n: string) => /-(\d{14})$/.exec(n)?.[1] ?? '';
    const killedStamp = new Date(killedAt).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const next = await eventually(
      'a later slot of wl completed',
      async () => {
        for (const n of await stored('wl'))
          if (slotTime(n) > killedStamp && (await record('wl', n))?.status.phase === 'Completed') return n;
        return undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
    expect(next).not.toBe(partial);

    const get = await runCli(['backup', 'get', '--cluster', 'wl', '-o', 'json'], {
      env: { LIFEBOAT_CONFIG: configPath },
      timeoutMs: 120_000,
    });
    expect(get.status, get.stderr).toBe(0);
    const rows = JSON.parse(get.stdout) as { name: string; phase: string }[];
    expect(rows.find((b) => b.name === partial)?.phase).toBe('Failed');
    expect(rows.find((b) => b.name === next)?.phase).toBe('Completed');

    // No slot ran twice (no name run by two replicas), and the killed slot was never run again.
    const perReplica = replicas.map((r) => new Set(logged(r, RUNS)));
    const all = new Set(perReplica.flatMap((set) => [...set]));
    expect(perReplica.reduce((n, set) => n + set.size, 0)).toBe(all.size);
    expect(logged(survivor, RUNS)).not.toContain(partial);
  }, 400_000);
});

describe('a discovered cluster’s standby, named by its Cluster object', () => {
  const lifeboat = (...args: string[]) =>
    runCli(['--log-level', 'error', ...args], { env: { LIFEBOAT_CONFIG: configPath }, timeoutMs: 200_000 });

  it('is shown by the Secret it is in, never by its content', async () => {
    const get = await lifeboat('cluster', 'get', '-o', 'json');
    expect(get.status, get.stderr).toBe(0);
    const wl = (JSON.parse(get.stdout) as { name: string; standby?: { kubeconfig?: string } }[]).find(
      (c) => c.name === 'wl',
    );
    expect(wl?.standby).toEqual({ kubeconfig: `secret/${namespace}/wl-standby` });
    expect(get.stdout).not.toContain('kubeconfigData');
    expect(get.stdout).not.toContain('client-key-data');
  }, 200_000);

  it('is checked per cluster and for the fleet, and the runbook covers the cluster', async () => {
    const one = await lifeboat('standby', 'check', '--cluster', 'wl', '-o', 'json');
    expect(one.status, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ cluster: 'wl', ready: true });

    const fleet = await lifeboat('standby', 'check', '--fleet', '-o', 'json');
    const result = JSON.parse(fleet.stdout) as {
      withoutStandby: string[];
      clusters: { cluster: string; standbyKubeconfig?: string; result?: { ready: boolean } }[];
    };
    expect(result.withoutStandby).toEqual(['mgmt']);
    expect(result.clusters.map((c) => [c.cluster, c.standbyKubeconfig, c.result?.ready])).toEqual([
      ['wl', `secret/${namespace}/wl-standby`, true],
    ]);
    expect(fleet.status, fleet.stderr).toBe(0);

    const runbook = await lifeboat('runbook', '--cluster', 'wl');
    expect(runbook.status, runbook.stderr).toBe(0);
    expect(runbook.stdout).toContain('lifeboat standby check --cluster wl');
  }, 400_000);
});
