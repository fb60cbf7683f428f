import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStores } from '../../src/app/deps/index.ts';
import { createLogger } from '../../src/log/index.ts';
import type { Location } from '../../src/model/index.ts';
import { runCli } from '../helpers/cli.ts';
import { createS3Bucket, s3Location } from '../helpers/locations.ts';

/**
 * The fleet from the command line, against the harness: `source` and `standby` added as clusters,
 * backups under each cluster's prefix of a filesystem location and of a versitygw bucket, a
 * Velero-style reader of one prefix, and an unreachable cluster reported in its own row.
 */
const env = inject('harness');
const sourceKubeconfig = env.clusters['source']!.kubeconfig;
const standbyKubeconfig = env.clusters['standby']!.kubeconfig;
let dir: string;
let config: string;
let fsRoot: string;
let s3: Location;

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], { env: { LIFEBOAT_CONFIG: config }, timeoutMs: 120_000 });

async function ok(...args: string[]): Promise<string> {
  const run = await lifeboat(...args);
  expect(run.stderr, `lifeboat ${args.join(' ')}`).toBe('');
  expect(run.status, `lifeboat ${args.join(' ')}`).toBe(0);
  return run.stdout;
}

/** The backups a Velero whose BSL prefix is `prefix` would see: lifeboat's own store at that prefix. */
async function veleroView(location: Location, prefix: string): Promise<string[]> {
  const opened = await openStores(
    { ...location, objectStorage: { ...location.objectStorage, prefix } },
    { logger: createLogger({ format: 'json', level: 'silent' }) },
  );
  try {
    return await opened.backupStore.listBackupNames();
  } finally {
    await opened.close();
  }
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
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-fleet-'));
  config = join(dir, 'config.yaml');
  fsRoot = join(dir, 'fs');
  await mkdir(fsRoot);
  s3 = { ...(await s3Location(dir, env.s3!, await createS3Bucket(env.s3!))), name: 's3' };
  const fs = { name: 'fs', provider: 'filesystem', objectStorage: { bucket: fsRoot }, default: true };
  // "raw" writes at source's prefix without --cluster: a backup of another cluster misplaced there.
  const raw = {
    name: 'raw',
    provider: 'filesystem',
    objectStorage: { bucket: fsRoot, prefix: 'clusters/source' },
  };
  await writeFile(
    config,
    stringify({ apiVersion: 'lifeboat.io/v1alpha1', kind: 'Config', locations: [fs, raw, s3] }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lifeboat cluster', () => {
  it('adds clusters with their identity and refuses the same cluster under another name', async () => {
    expect(
      await ok(
        'cluster',
        'add',
        'source',
        '--kubeconfig',
        sourceKubeconfig,
        '--labels',
        'env=prod,tier=gold',
      ),
    ).toMatch(
      /Cluster "source" added \(identity [0-9a-f-]{36}, .*\); its backups go to location "fs" under clusters\/source\//,
    );
    await ok('cluster', 'add', 'mgmt', '--kubeconfig', standbyKubeconfig, '--standby', standbyKubeconfig);
    const again = await lifeboat('cluster', 'add', 'again', '--kubeconfig', sourceKubeconfig);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/cluster 'again' is the cluster already added as 'source'/);
    expect(again.stderr).toMatch(/hint: use the name 'source'/);

    const rows = JSON.parse(await ok('cluster', 'get', '-o', 'json')) as Record<string, unknown>[];
    expect(rows.map((r) => [r['name'], r['source'], r['reachable'], r['prefix']])).toEqual([
      ['mgmt', 'config', true, 'clusters/mgmt'],
      ['source', 'config', true, 'clusters/source'],
    ]);
    expect(rows[1]?.['server']).toBe(env.clusters['source']!.server);
    expect(rows[0]?.['uid']).not.toBe(rows[1]?.['uid']);
    const saved = parse(await readFile(config, 'utf8')) as { clusters: { name: string; uid: string }[] };
    expect(saved.clusters.map((c) => [c.name, c.uid]).sort()).toEqual(rows.map((r) => [r['name'], r['uid']]));

    const table = await ok('cluster', 'get');
    expect(table.split('\n')[0]).toMatch(/^NAME\s+ROLE\s+IDENTITY\s+SERVER\s+LABELS\s+SOURCE\s+REACHABLE$/);
    expect(table).toMatch(
      /source\s+workload\s+[0-9a-f-]{36}\s+https:\/\/127\.0\.0\.1:\d+\s+env=prod,tier=gold\s+config\s+yes/,
    );
    const described = await ok('cluster', 'describe', 'mgmt');
    expect(described).toMatch(/Backups:\s+location "fs", prefix clusters\/mgmt\//);
    expect(described).toContain(`Standby:     ${standbyKubeconfig}`);
  });

  it('backs each cluster up under its prefix, where a Velero at that prefix sees only its backups', async () => {
    await ok('backup', 'create', 'src-1', '--cluster', 'source', '--include-namespaces', 'default');
    await ok('backup', 'create', 'mg-1', '--cluster', 'mgmt', '--include-namespaces', 'default');
    await ok(
      'backup',
      'create',
      'src-s3',
      '--cluster',
      'source',
      '--storage-location',
      's3',
      '--include-namespaces',
      'default',
    );
    expect(existsSync(join(fsRoot, 'clusters/source/backups/src-1/velero-backup.json'))).toBe(true);
    expect(existsSync(join(fsRoot, 'clusters/mgmt/backups/mg-1/velero-backup.json'))).toBe(true);

    const fs: Location = {
      name: 'fs',
      provider: 'filesystem',
      objectStorage: { bucket: fsRoot },
      config: {},
      default: true,
      accessMode: 'ReadWrite',
    };
    expect(await veleroView(fs, 'clusters/source')).toEqual(['src-1']);
    expect(await veleroView(fs, 'clusters/mgmt')).toEqual(['mg-1']);
    expect(await veleroView(fs, '')).toEqual([]);
    expect(await veleroView(s3, 'clusters/source')).toEqual(['src-s3']);
    expect(await veleroView(s3, 'clusters/mgmt')).toEqual([]);

    const one = JSON.parse(await ok('backup', 'get', '--cluster', 'source', '-o', 'json')) as {
      name: string;
    }[];
    expect(one.map((b) => b.name)).toEqual(['src-1']);
    const fleet = await ok('backup', 'get');
    expect(fleet.split('\n')[0]).toMatch(/^CLUSTER\s+NAME\s+STATUS/);
    expect(fleet).toMatch(/\nsource\s+src-1\s+Completed/);
    expect(fleet).toMatch(/\nmgmt\s+mg-1\s+Completed/);
    expect(await ok('backup', 'describe', 'mg-1')).toMatch(/^Cluster:\s+mgmt\nName:\s+mg-1/);
  });

  it('warns of a backup under a cluster prefix that records another cluster', async () => {
    await ok(
      'backup',
      'create',
      'stray',
      '--kubeconfig',
      standbyKubeconfig,
      '--storage-location',
      'raw',
      '--include-namespaces',
      'default',
    );
    const run = await lifeboat('backup', 'get', '--cluster', 'source');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\nstray\s+Completed/);
    expect(run.stderr).toMatch(
      /warning: backup "stray" under cluster 'source' records another cluster's identity/,
    );
  });

  it('reports an unreachable cluster in its own row while the others are listed', async () => {
    const dead = join(dir, 'dead.kubeconfig');
    const port = await closedPort();
    await writeFile(
      dead,
      (await readFile(sourceKubeconfig, 'utf8')).replace(
        /https:\/\/127\.0\.0\.1:\d+/,
        `https://127.0.0.1:${port}`,
      ),
    );
    const current = parse(await readFile(config, 'utf8')) as { clusters: unknown[] };
    current.clusters.push({ name: 'dead', kubeconfig: dead });
    await writeFile(config, stringify(current));

    const run = await lifeboat('cluster', 'get');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `\\ndead\\s+workload\\s+-\\s+https://127\\.0\\.0\\.1:${port}\\s+-\\s+config\\s+no \\(refused\\): nothing accepts connections at https://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`,
      ),
    );
    expect(run.stdout).toMatch(/\nmgmt\s+workload\s+[0-9a-f-]{36}\s.*\syes\n/);
    expect(run.stdout).toMatch(/\nsource\s+workload\s+[0-9a-f-]{36}\s.*\syes\n/);
  });

  it('removes a cluster from the config, never its backups', async () => {
    expect(await ok('cluster', 'remove', 'source')).toMatch(
      /removed from the config; its backups were not touched/,
    );
    const rows = JSON.parse(await ok('cluster', 'get', '-o', 'json')) as { name: string }[];
    expect(rows.map((r) => r.name)).toEqual(['dead', 'mgmt']);
    expect(existsSync(join(fsRoot, 'clusters/source/backups/src-1/velero-backup.json'))).toBe(true);
    const gone = await lifeboat('cluster', 'describe', 'source');
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toMatch(/no cluster named 'source'/);
  });
});
