import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getClusters, probeCluster } from '../../src/app/clusters/index.ts';

/**
 * Why a cluster is unreachable, against the harness's real API servers: a closed port (refused), a
 * bearer token the server does not know (401), the other cluster's CA (TLS), a host name that does
 * not resolve (DNS); each in its own row of the fleet while the reachable ones stay reachable.
 */
const env = inject('harness');
const source = env.clusters['source']!;
const standby = env.clusters['standby']!;
let dir: string;
let config: string;

interface Kubeconfig {
  clusters: { cluster: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
}

async function variant(name: string, edit: (k: Kubeconfig) => void): Promise<string> {
  const k = parse(await readFile(source.kubeconfig, 'utf8')) as Kubeconfig;
  edit(k);
  const path = join(dir, `${name}.kubeconfig`);
  await writeFile(path, stringify(k), { mode: 0o600 });
  return path;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-reach-'));
  const port = await closedPort();
  const standbyCa = (parse(await readFile(standby.kubeconfig, 'utf8')) as Kubeconfig).clusters[0]!.cluster[
    'certificate-authority-data'
  ]!;
  const clusters = [
    { name: 'up', kubeconfig: source.kubeconfig },
    {
      name: 'refused',
      kubeconfig: await variant(
        'refused',
        (k) => (k.clusters[0]!.cluster['server'] = `https://127.0.0.1:${port}`),
      ),
    },
    {
      name: 'bad-token',
      kubeconfig: await variant(
        'bad-token',
        (k) => (k.users[0]!.user = { token: 'not-a-token-of-this-cluster' }),
      ),
    },
    {
      name: 'wrong-ca',
      kubeconfig: await variant(
        'wrong-ca',
        (k) => (k.clusters[0]!.cluster['certificate-authority-data'] = standbyCa),
      ),
    },
    {
      name: 'no-dns',
      kubeconfig: await variant(
        'no-dns',
        (k) => (k.clusters[0]!.cluster['server'] = 'https://lifeboat-no-such-host.invalid:6443'),
      ),
    },
  ];
  config = join(dir, 'config.yaml');
  await writeFile(config, stringify({ apiVersion: 'lifeboat.io/v1alpha1', kind: 'Config', clusters }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cluster reachability', () => {
  it('names each failure in its own row: refused, bad credentials, untrusted certificate, DNS', async () => {
    const { clusters } = await getClusters(config);
    const rows = new Map(clusters.map((c) => [c.name, c]));
    expect(rows.get('up')).toMatchObject({ reachable: true, role: 'workload', server: source.server });
    expect(rows.get('up')?.unreachable).toBeUndefined();
    expect(rows.get('refused')).toMatchObject({ reachable: false, unreachable: 'refused' });
    expect(rows.get('refused')?.reason).toMatch(
      /nothing accepts connections at https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    expect(rows.get('bad-token')).toMatchObject({ reachable: false, unreachable: 'unauthorized' });
    expect(rows.get('bad-token')?.reason).toBe(
      `${source.server} rejected the kubeconfig's credentials (HTTP 401)`,
    );
    expect(rows.get('wrong-ca')).toMatchObject({ reachable: false, unreachable: 'tls' });
    expect(rows.get('wrong-ca')?.reason).toMatch(/certificate-authority does not trust/);
    expect(rows.get('no-dns')).toMatchObject({ reachable: false, unreachable: 'dns' });
    expect(rows.get('no-dns')?.reason).toMatch(
      /host name of https:\/\/lifeboat-no-such-host\.invalid:6443 does not resolve/,
    );
    for (const c of clusters) expect(JSON.stringify(c)).not.toContain('not-a-token-of-this-cluster');
  });

  it('probes one cluster under its own deadline, for the server to call', async () => {
    const up = await probeCluster({ kubeconfig: source.kubeconfig }, 2_000);
    expect(up).toMatchObject({ reachable: true, server: source.server });
    expect(up.uid).toMatch(/^[0-9a-f-]{36}$/);
    const down = await probeCluster({ kubeconfig: join(dir, 'refused.kubeconfig') }, 2_000);
    expect(down).toMatchObject({ reachable: false, kind: 'refused' });
  });
});
