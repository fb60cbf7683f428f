import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { eventually } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import { startServer, type ServerProcess } from '../helpers/server.ts';

const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const TOKEN = randomBytes(24).toString('hex');
const suffix = randomBytes(3).toString('hex');
const schedule = `lease-${suffix}`;
const lease = `lifeboat-e2e-${suffix}`;
let locations: LocationsFixture;

async function startReplica(): Promise<ServerProcess> {
  return startServer({
    args: [
      ...['--kubeconfig', source, '--leader-elect', '--lease-namespace', 'default'],
      ...['--lease-name', lease, '--lease-duration', '3s', '--sync-period', '1s'],
    ],
    env: { ...locations.env, LIFEBOAT_API_TOKEN: TOKEN },
    globals: ['--log-level', 'warn'],
    timeoutMs: 30_000,
  });
}

async function isLeader(r: ServerProcess): Promise<boolean> {
  const res = await fetch(`${r.url}/api/v1/server`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { isLeader: boolean }).isLeader;
}

async function runs(r: ServerProcess): Promise<number> {
  const res = await fetch(`${r.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`lifeboat_backup_total{schedule="${schedule}",status="Completed"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

beforeAll(async () => {
  locations = await createLocations(harness);
  const config = parse(await readFile(locations.configPath, 'utf8')) as Record<string, unknown>;
  const template = { includedNamespaces: ['kube-system'], includeClusterResources: false };
  await writeFile(
    locations.configPath,
    stringify({ ...config, schedules: [{ name: schedule, schedule: '* * * * * *', ttl: '1h', template }] }),
  );
});

afterAll(async () => {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  await client
    .json({ method: 'DELETE', path: `/apis/coordination.k8s.io/v1/namespaces/default/leases/${lease}` })
    .catch(() => undefined);
  client.close();
  await locations.cleanup();
});

describe('two replicas with one Lease', () => {
  it('only the leader runs backups, and the other takes over when it dies', async () => {
    const a = await startReplica();
    const b = await startReplica();
    try {
      const [leader, follower] = await eventually(
        'one leader',
        async () => {
          const [la, lb] = [await isLeader(a), await isLeader(b)];
          if (la === lb) return undefined;
          return la ? [a, b] : [b, a];
        },
        { timeoutMs: 20_000 },
      );
      await eventually('the leader backs up', async () => ((await runs(leader)) >= 2 ? true : undefined), {
        timeoutMs: 30_000,
      });
      expect(await runs(follower)).toBe(0);
      expect(await isLeader(follower)).toBe(false);
      const lease0 = await leaseHolder();

      leader.child.kill('SIGKILL'); // a crash: the lease is not released, it has to expire
      const killedAt = Date.now();
      await eventually(
        'the follower takes over',
        async () => ((await isLeader(follower)) ? true : undefined),
        {
          timeoutMs: 15_000,
          intervalMs: 200,
        },
      );
      const tookOverMs = Date.now() - killedAt;
      expect(tookOverMs).toBeLessThan(3000 + 3000); // lease duration + a retry period or so
      await eventually(
        'the new leader backs up',
        async () => ((await runs(follower)) >= 1 ? true : undefined),
        {
          timeoutMs: 20_000,
        },
      );
      const lease1 = await leaseHolder();
      expect(lease1.holder).not.toBe(lease0.holder);
      expect(lease1.transitions).toBeGreaterThan(lease0.transitions);
    } finally {
      for (const r of [a, b]) r.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
  }, 120_000);
});

async function leaseHolder(): Promise<{ holder: string; transitions: number }> {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  try {
    const l = await client.json<{ spec: { holderIdentity: string; leaseTransitions?: number } }>({
      path: `/apis/coordination.k8s.io/v1/namespaces/default/leases/${lease}`,
    });
    return { holder: l.spec.holderIdentity, transitions: l.spec.leaseTransitions ?? 0 };
  } finally {
    client.close();
  }
}
