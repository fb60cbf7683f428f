import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClient } from '../../src/kube/client.ts';
import { stopControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import {
  type Replica,
  startFleetPlanes,
  startReplica as startFleetReplica,
} from '../helpers/fleet-planes.ts';
import { eventually } from '../helpers/kube.ts';

/**
 * The fleet in the server, on real control planes: a management plane of this file holding Cluster
 * API objects and kubeconfig Secrets for three workload planes, plus the harness's two planes as
 * configured entries: six clusters, each its own API server and identity. Three server replicas share
 * them through per-cluster Leases in the management plane; one schedule selects every cluster by
 * label. Ownership spreads within the bound; each cluster's backups land under its own prefix; a
 * replica killed with SIGKILL has its clusters backed up by the others; no slot runs twice; the RPO
 * metrics follow the store; a cluster whose API server stops is reported while the others go on.
 */
const harness = inject('harness');
const TOKEN = randomBytes(24).toString('hex');
const SCHEDULE = 'fleet';
const EVERY_S = 20;
const MAX_PER_REPLICA = 3;
let dir: string;
let fsRoot: string;
let configPath: string;
let management: ControlPlane;
const workloads: ControlPlane[] = [];
let mgmtClient: KubeClient;
const namespace = `lifeboat-fleet-${randomBytes(3).toString('hex')}`;

const replicas: Replica[] = [];

async function registerWorkload(plane: ControlPlane): Promise<void> {
  await mgmtClient.text({
    method: 'POST',
    path: `/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters`,
    body: {
      apiVersion: 'cluster.x-k8s.io/v1beta1',
      kind: 'Cluster',
      metadata: { name: plane.name, labels: { env: 'prod' } },
      spec: {},
    },
  });
  await mgmtClient.text({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/secrets`,
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${plane.name}-kubeconfig` },
      stringData: { value: await readFile(plane.kubeconfig, 'utf8') },
    },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-fleet-server-'));
  fsRoot = join(dir, 'fs');
  await mkdir(fsRoot);
  const planes = await startFleetPlanes(dir, namespace, ['w1', 'w2', 'w3']);
  management = planes.management;
  workloads.push(...planes.workloads);
  mgmtClient = planes.mgmtClient;
  for (const plane of workloads) await registerWorkload(plane);
  configPath = join(dir, 'config.yaml');
  const prod = { env: 'prod' };
  await writeFile(
    configPath,
    stringify({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'Config',
      locations: [{ name: 'fs', provider: 'filesystem', objectStorage: { bucket: fsRoot }, default: true }],
      clusters: [
        { name: 'mgmt', kubeconfig: management.kubeconfig, labels: prod },
        { name: 'source', kubeconfig: harness.clusters['source']!.kubeconfig, labels: prod },
        { name: 'standby', kubeconfig: harness.clusters['standby']!.kubeconfig, labels: prod },
      ],
      fleet: { managementCluster: 'mgmt', discover: { clusterApi: true, namespaces: [namespace] } },
      schedules: [
        {
          name: SCHEDULE,
          schedule: `*/${EVERY_S} * * * * *`,
          rpo: '2m',
          ttl: '1h',
          clusters: { selector: 'env=prod' },
          template: { includedNamespaces: ['kube-system'], includeClusterResources: false },
        },
      ],
    }),
  );
}, 300_000);

afterAll(async () => {
  for (const r of replicas) r.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.exited));
  mgmtClient.close();
  await Promise.all([management, ...workloads].map((p) => stopControlPlane(p)));
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
      '--max-clusters-per-replica',
      String(MAX_PER_REPLICA),
      '--cluster-lease-duration',
      '6s',
      '--fleet-refresh',
      '3s',
      '--sync-period',
      '2s',
      '--shutdown-grace',
      '5s',
    ],
  });
  replicas.push(replica);
  return replica;
}

interface ClustersView {
  replica: { identity: string; owned: string[]; bound?: number };
  items: {
    name: string;
    uid?: string;
    reachable: boolean;
    reason?: string;
    owner?: string;
    rpo: { state: string; reason: string };
    schedules: {
      schedule: string;
      lastSuccessful?: { name: string; completed?: string };
      rpo: { state: string; reason: string };
    }[];
  }[];
}

async function api<T>(r: Replica, path: string): Promise<T> {
  const res = await fetch(`${r.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (path === '/metrics') return (await res.text()) as T;
  return (await res.json()) as T;
}

/** Backup names under a cluster's prefix: what a Velero with that BSL prefix lists. */
async function storedBackups(cluster: string): Promise<string[]> {
  return readdir(join(fsRoot, 'clusters', cluster, 'backups')).catch(() => []);
}

async function completedAt(cluster: string, name: string): Promise<string | undefined> {
  const text = await readFile(
    join(fsRoot, 'clusters', cluster, 'backups', name, 'velero-backup.json'),
    'utf8',
  ).catch(() => undefined);
  if (text === undefined) return undefined;
  const b = JSON.parse(text) as { status: { phase?: string; completionTimestamp?: string } };
  return b.status.phase === 'Completed' ? b.status.completionTimestamp : undefined;
}

const slotOf = (cluster: string, name: string) => {
  const m = new RegExp(`^${SCHEDULE}-${cluster}-(\\d{14})$`).exec(name);
  if (m === null) return undefined;
  const s = m[1]!;
  return Date.UTC(
    +s.slice(0, 4),
    +s.slice(4, 6) - 1,
    +s.slice(6, 8),
    +s.slice(8, 10),
    +s.slice(10, 12),
    +s.slice(12, 14),
  );
};

const CLUSTERS = ['mgmt', 'source', 'standby', 'w1', 'w2', 'w3'];

describe('the fleet across three server replicas', () => {
  it('spreads ownership, backs each cluster up under its prefix, survives a SIGKILL, never runs a slot twice', async () => {
    const started = await Promise.all(['r1', 'r2', 'r3'].map((id) => startReplica(id)));

    const views = await eventually(
      'ownership spread over the replicas',
      async () => {
        const vs = await Promise.all(started.map((r) => api<ClustersView>(r, '/api/v1/clusters')));
        const owned = vs.flatMap((v) => v.replica.owned);
        if (owned.length !== 6 || new Set(owned).size !== 6) return undefined;
        // Every replica lists the whole fleet (one that has not yet read it lists none).
        if (!vs.every((v) => v.items.length === CLUSTERS.length)) return undefined;
        // Every replica sees each cluster's owner (from the Leases) as the owner sees itself.
        const ownerOf = new Map(vs.flatMap((v) => v.replica.owned.map((c) => [c, v.replica.identity])));
        return vs.every((v) => v.items.every((c) => c.owner === ownerOf.get(c.name))) ? vs : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    for (const v of views) {
      expect(v.replica.owned.length).toBeLessThanOrEqual(MAX_PER_REPLICA);
      expect(v.replica.bound).toBeLessThanOrEqual(MAX_PER_REPLICA);
      expect(v.items.map((c) => c.name).sort()).toEqual(CLUSTERS);
    }
    // Six distinct identities: six clusters, not registrations of one.
    expect(new Set(views[0]!.items.map((c) => c.uid)).size).toBe(6);

    await eventually(
      'every cluster backed up under its prefix',
      async () => {
        for (const c of CLUSTERS) {
          const names = await storedBackups(c);
          const done = await Promise.all(names.map((n) => completedAt(c, n)));
          if (!done.some((d) => d !== undefined)) return undefined;
        }
        return true;
      },
      { timeoutMs: 150_000, intervalMs: 1000 },
    );
    for (const c of CLUSTERS) {
      const names = await storedBackups(c);
      // Only this cluster's backups under its prefix, named for their slot.
      for (const n of names) expect(slotOf(c, n), `${c}: ${n}`).toBeDefined();
      for (const n of names) expect(slotOf(c, n)! % (EVERY_S * 1000)).toBe(0);
      const record = JSON.parse(
        await readFile(join(fsRoot, 'clusters', c, 'backups', names[0]!, 'velero-backup.json'), 'utf8'),
      ) as { metadata: { annotations?: Record<string, string>; labels?: Record<string, string> } };
      expect(record.metadata.labels?.['velero.io/schedule-name']).toBe(SCHEDULE);
      expect(record.metadata.annotations?.['lifeboat.io/cluster-uid']).toBe(
        views[0]!.items.find((i) => i.name === c)?.uid,
      );
    }
    expect(await readdir(join(fsRoot, 'backups')).catch(() => [])).toEqual([]);

    // SIGKILL the replica owning the most clusters: its Leases are not released, they expire.
    const victim = started.reduce((a, b) =>
      views[started.indexOf(a)]!.replica.owned.length >= views[started.indexOf(b)]!.replica.owned.length
        ? a
        : b,
    );
    const orphaned = views[started.indexOf(victim)]!.replica.owned;
    expect(orphaned.length).toBeGreaterThan(0);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    const survivors = started.filter((r) => r !== victim);
    await eventually(
      'the survivors own every cluster',
      async () => {
        const vs = await Promise.all(survivors.map((r) => api<ClustersView>(r, '/api/v1/clusters')));
        const owned = vs.flatMap((v) => v.replica.owned);
        if (new Set(owned).size !== 6 || owned.length !== 6) return undefined;
        for (const v of vs) expect(v.replica.owned.length).toBeLessThanOrEqual(MAX_PER_REPLICA);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await eventually(
      "the dead replica's clusters backed up at a later slot",
      async () => {
        for (const c of orphaned) {
          const later = (await storedBackups(c)).filter((n) => (slotOf(c, n) ?? 0) > killedAt);
          const done = await Promise.all(later.map((n) => completedAt(c, n)));
          if (!done.some((d) => d !== undefined)) return undefined;
        }
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );

    // Never one slot twice: every replica logs each run it made; no backup name was run by two.
    const runsOf = (r: Replica) =>
      new Set(
        [...r.output().matchAll(/"msg":"backup (\S+) (Completed|PartiallyFailed|Failed)"/g)].map(
          (m) => m[1]!,
        ),
      );
    const perReplica = replicas.map(runsOf);
    const all = new Set(perReplica.flatMap((set) => [...set]));
    expect(all.size).toBeGreaterThan(6);
    expect(perReplica.reduce((n, set) => n + set.size, 0)).toBe(all.size);

    // The RPO metrics of every survivor follow the store, for the dead replica's clusters too.
    for (const r of survivors)
      await eventually(
        `replica ${r.id}: metrics match the store`,
        async () => {
          const text = await api<string>(r, '/metrics');
          for (const c of CLUSTERS) {
            const names = (await storedBackups(c)).sort().reverse();
            let newest: string | undefined;
            for (const n of names) if ((newest = await completedAt(c, n)) !== undefined) break;
            const line = `lifeboat_backup_last_successful_timestamp_seconds{schedule="${SCHEDULE}",cluster="${c}"} ${Date.parse(newest ?? '') / 1000}`;
            if (!text.includes(line)) return undefined;
            if (!text.includes(`lifeboat_rpo_breached{schedule="${SCHEDULE}",cluster="${c}"} 0`))
              return undefined;
          }
          expect(text).toContain('lifeboat_fleet_clusters 6');
          return text.includes(`lifeboat_cluster_owned{replica="${r.id}"}`) ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );

    // A cluster whose API server stops is reported, and the others keep their schedules.
    const dead = workloads[2]!;
    await stopControlPlane(dead);
    const stoppedAt = Date.now();
    await eventually(
      `${dead.name} reported unreachable with its RPO at risk`,
      async () => {
        const v = await api<ClustersView>(survivors[0]!, '/api/v1/clusters');
        const c = v.items.find((i) => i.name === dead.name);
        if (c === undefined || c.reachable) return undefined;
        expect(c.reason).toMatch(/cannot reach|ECONNREFUSED|connect/);
        expect(['at-risk', 'breached']).toContain(c.rpo.state);
        expect(c.rpo.reason).toMatch(/unreachable/);
        const text = await api<string>(survivors[0]!, '/metrics');
        return text.includes(`lifeboat_cluster_reachable{cluster="${dead.name}"} 0`) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    await eventually(
      'the other clusters are backed up after it stopped',
      async () => {
        for (const c of CLUSTERS.filter((n) => n !== dead.name)) {
          const later = (await storedBackups(c)).filter((n) => (slotOf(c, n) ?? 0) > stoppedAt);
          const done = await Promise.all(later.map((n) => completedAt(c, n)));
          if (!done.some((d) => d !== undefined)) return undefined;
        }
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
  }, 600_000);
});
