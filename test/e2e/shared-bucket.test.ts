import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import { startServer, type ServerProcess } from '../helpers/server.ts';

/**
 * Two clusters sharing one bucket (the harness's source and standby control planes are two
 * identities): a name collision fails instead of overwriting, retention of one cluster never
 * deletes the other's backups, the API refuses reserved labels, and every backup shows its cluster.
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const standby = harness.clusters['standby']!.kubeconfig;
const suffix = randomBytes(3).toString('hex');
const uid: Record<'source' | 'standby', string> = { source: '', standby: '' };
let loc: LocationsFixture;

const lifeboat = (...args: string[]) => runCli(['--log-level', 'error', ...args], { env: loc.env });
const small = ['--include-namespaces', 'kube-system', '--include-cluster-resources', 'false'];

async function kubeSystemUid(kubeconfig: string): Promise<string> {
  const client = new KubeClient(loadKubeConfig({ kubeconfig }));
  try {
    const ns = await client.json<{ metadata: { uid: string } }>({ path: '/api/v1/namespaces/kube-system' });
    return ns.metadata.uid;
  } finally {
    client.close();
  }
}

interface Row {
  name: string;
  phase: string;
  cluster?: string;
}

async function backups(location: string): Promise<Row[]> {
  const run = await lifeboat('backup', 'get', '--storage-location', location, '-o', 'json');
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Row[];
}

beforeAll(async () => {
  loc = await createLocations(harness);
  uid.source = await kubeSystemUid(source);
  uid.standby = await kubeSystemUid(standby);
});
afterAll(async () => {
  await loc?.cleanup();
});

describe('two clusters back up to one bucket under the same name at the same moment', () => {
  it.each(['s3', 'azure'])(
    'exactly one wins on %s, the other fails clearly, the winner verifies',
    async (at) => {
      expect(uid.source).not.toBe(uid.standby);
      const name = `same-${at}-${suffix}`;
      const create = (kubeconfig: string) =>
        lifeboat('backup', 'create', name, '--kubeconfig', kubeconfig, '--storage-location', at, ...small);
      const [a, b] = await Promise.all([create(source), create(standby)]);
      const runs: [CliResult, keyof typeof uid][] = [
        [a, 'source'],
        [b, 'standby'],
      ];
      const won = runs.filter(([r]) => r.status === 0);
      const lost = runs.filter(([r]) => r.status !== 0);
      expect(won, `${a.stdout}${a.stderr}\n${b.stdout}${b.stderr}`).toHaveLength(1);
      const [loser] = lost[0]!;
      expect(loser.status).toBe(1);
      expect(loser.stderr).toMatch(new RegExp(`backup ${name} already exists`));
      const winner = won[0]![1];
      // The stored backup is the winner's through and through, and its checksums hold.
      const [row] = (await backups(at)).filter((r) => r.name === name);
      expect(row).toMatchObject({ phase: 'Completed', cluster: uid[winner] });
      const verify = await lifeboat('backup', 'verify', name, '--storage-location', at);
      expect(verify.status, verify.stdout + verify.stderr).toBe(0);
      const describe = await lifeboat('backup', 'describe', name, '--storage-location', at);
      expect(describe.stdout).toContain(`Cluster UID:  ${uid[winner]}`);
    },
  );

  it('a later backup of a taken name fails naming the cluster that holds it, and writes nothing', async () => {
    const name = `taken-${suffix}`;
    const first = await lifeboat(
      'backup',
      'create',
      name,
      '--kubeconfig',
      source,
      '--storage-location',
      's3',
      ...small,
    );
    expect(first.status, first.stderr).toBe(0);
    const second = await lifeboat(
      'backup',
      'create',
      name,
      '--kubeconfig',
      standby,
      '--storage-location',
      's3',
      ...small,
    );
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`another cluster (kube-system UID ${uid.source})`);
    const verify = await lifeboat('backup', 'verify', name, '--storage-location', 's3');
    expect(verify.status, verify.stdout).toBe(0);
  });
});

describe('retention across clusters sharing a bucket', () => {
  const schedule = `shared-${suffix}`;
  const runFrom = async (kubeconfig: string): Promise<void> => {
    await new Promise((r) => setTimeout(r, 1100)); // names have a one-second resolution
    const run = await lifeboat('backup', 'create', '--from-schedule', schedule, '--kubeconfig', kubeconfig);
    expect(run.status, run.stdout + run.stderr).toBe(0);
  };
  const ofSchedule = async () =>
    (await backups('s3'))
      .filter((r) => r.name.startsWith(`${schedule}-`))
      .sort((x, y) => x.name.localeCompare(y.name));
  const gc = async (kubeconfig: string) => {
    const run = await lifeboat('gc', '-o', 'json', '--kubeconfig', kubeconfig);
    expect(run.status, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { deleted: { name: string }[] }).deleted.map((d) => d.name).sort();
  };

  it("cluster A's retention never deletes cluster B's backups of the same schedule", async () => {
    const created = await lifeboat(
      'schedule',
      'create',
      schedule,
      '--schedule',
      '0 0 1 1 *',
      '--ttl',
      '1s',
      '--retention',
      'keep-last=1',
      '--storage-location',
      's3',
      ...small,
    );
    expect(created.status, created.stderr).toBe(0);
    for (const kubeconfig of [standby, standby, source, source]) await runFrom(kubeconfig);
    const before = await ofSchedule();
    const fromB = before.filter((r) => r.cluster === uid.standby).map((r) => r.name);
    const fromA = before.filter((r) => r.cluster === uid.source).map((r) => r.name);
    expect([fromA.length, fromB.length]).toEqual([2, 2]);
    // A's GC: keep-last=1 removes A's older backup only; B's two, older than both of A's, stay.
    expect(await gc(source)).toEqual([fromA[0]]);
    expect((await ofSchedule()).map((r) => r.name)).toEqual([...fromB, fromA[1]].sort());
    // B's own GC applies the same rule to B's backups.
    expect(await gc(standby)).toEqual([fromB[0]]);
    expect((await ofSchedule()).map((r) => r.name)).toEqual([fromB[1], fromA[1]].sort());
  }, 240_000);
});

describe('the API refuses reserved labels', () => {
  let server: ServerProcess | undefined;
  const token = randomBytes(24).toString('hex');

  beforeAll(async () => {
    server = await startServer({
      args: ['--kubeconfig', source],
      env: { ...loc.env, LIFEBOAT_API_TOKEN: token },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(['velero.io/schedule-name', 'velero.io/storage-location', 'lifeboat.io/cluster-uid'])(
    'POST /api/v1/backups with label %s is a 400 naming it',
    async (key) => {
      const res = await fetch(`${server!.url}/api/v1/backups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: `junk-${suffix}`, template: { labels: { [key]: 'nightly' } } }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { field: string; message: string };
      expect(body.field).toBe(`template.labels.${key}`);
      expect(body.message).toContain(`label '${key}' is reserved`);
    },
  );

  it('backup create --labels refuses them too (exit 2)', async () => {
    const run = await lifeboat(
      'backup',
      'create',
      `junk-${suffix}`,
      '--labels',
      'velero.io/schedule-name=x',
      '--kubeconfig',
      source,
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("label 'velero.io/schedule-name' is reserved");
  });
});
