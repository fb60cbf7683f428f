import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { goMarshal } from '../../src/gojson/index.ts';
import { runCli } from '../helpers/cli.ts';
import { seedEstate, type Estate } from '../helpers/estate.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import { WIDGET_CRD } from '../helpers/workload.ts';

const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
let estate: Estate;
let locations: LocationsFixture;
const suffix = randomBytes(3).toString('hex');

/** The source cluster's identity: the UID of its kube-system namespace. */
async function readKubeSystemUid(): Promise<string> {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  try {
    return (await client.json<{ metadata: { uid: string } }>({ path: '/api/v1/namespaces/kube-system' }))
      .metadata.uid;
  } finally {
    client.close();
  }
}

function lifeboat(...args: string[]) {
  return runCli(['--log-level', 'error', ...args], { env: locations.env });
}

async function resourceList(name: string, location = 'fs'): Promise<Record<string, string[]>> {
  const run = await lifeboat(
    'backup',
    'describe',
    name,
    '--details',
    '--storage-location',
    location,
    '-o',
    'json',
  );
  expect(run.status, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { resourceList: Record<string, string[]> }).resourceList;
}

beforeAll(async () => {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  estate = await seedEstate(client, `e2e-${suffix}`);
  client.close();
  locations = await createLocations(harness);
});

afterAll(async () => {
  await locations.cleanup();
});

describe('backup create to each provider', () => {
  it.each(['fs', 's3', 'azure'])('backs up to %s, lists it Completed and verifies it', async (location) => {
    const name = `estate-${location}-${suffix}`;
    const created = await lifeboat(
      'backup',
      'create',
      name,
      '--kubeconfig',
      source,
      '--include-namespaces',
      `${estate.prefix}-*`,
      '--storage-location',
      location,
    );
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`Backup "${name}" Completed: \\d+ items`));

    const listed = await lifeboat('backup', 'get', '--storage-location', location, '-o', 'json');
    const rows = JSON.parse(listed.stdout) as { name: string; phase: string; items: number }[];
    expect(rows.find((r) => r.name === name)).toMatchObject({ phase: 'Completed' });

    const verified = await lifeboat('backup', 'verify', name, '--storage-location', location);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`Backup "${name}" verified.`);

    const again = await lifeboat(
      'backup',
      'create',
      name,
      '--kubeconfig',
      source,
      '--storage-location',
      location,
    );
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });
});

describe('the stored backup is in Velero’s format', () => {
  let name: string;
  let dir: string;
  beforeAll(async () => {
    name = `layout-${suffix}`;
    const run = await lifeboat(
      'backup',
      'create',
      name,
      '--kubeconfig',
      source,
      '--include-namespaces',
      `${estate.prefix}-*`,
      '--labels',
      'team=sre',
    );
    expect(run.status, run.stderr).toBe(0);
    dir = join(locations.fsRoot, 'backups', name);
  });

  it('writes exactly Velero’s objects (plus lifeboat’s checksums, cluster profile and name claim), velero-backup.json uncompressed', async () => {
    expect((await readdir(dir)).sort()).toEqual(
      [
        'velero-backup.json',
        `${name}.tar.gz`,
        `${name}-logs.gz`,
        `${name}-resource-list.json.gz`,
        `${name}-results.gz`,
        `${name}-itemoperations.json.gz`,
        `${name}-volumesnapshots.json.gz`,
        `${name}-podvolumebackups.json.gz`,
        `${name}-volumeinfo.json.gz`,
        `${name}-checksums.json.gz`,
        `${name}-cluster-profile.json.gz`,
        `${name}-claim.json`,
      ].sort(),
    );
    const backup = JSON.parse(await readFile(join(dir, 'velero-backup.json'), 'utf8')) as {
      kind: string;
      apiVersion: string;
      metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
      spec: { includedNamespaces: string[]; ttl: string; storageLocation: string };
      status: {
        phase: string;
        formatVersion: string;
        version: number;
        progress: { itemsBackedUp: number; totalItems: number };
      };
    };
    expect(backup).toMatchObject({ kind: 'Backup', apiVersion: 'velero.io/v1', metadata: { name } });
    const kubeSystem = await readKubeSystemUid();
    expect(backup.metadata.labels).toEqual({
      team: 'sre',
      'velero.io/storage-location': 'fs',
      'lifeboat.io/cluster-uid': kubeSystem,
    });
    expect(backup.metadata.annotations['lifeboat.io/cluster-uid']).toBe(kubeSystem);
    expect(backup.metadata.annotations['velero.io/source-cluster-k8s-gitversion']).toBe('v1.34.4');
    expect(backup.metadata.annotations['velero.io/source-cluster-k8s-minor-version']).toBe('34');
    expect(backup.spec).toMatchObject({
      includedNamespaces: [`${estate.prefix}-*`],
      ttl: '720h0m0s',
      storageLocation: 'fs',
    });
    expect(backup.status).toMatchObject({ phase: 'Completed', formatVersion: '1.1.0', version: 1 });
    expect(backup.status.progress.itemsBackedUp).toBeGreaterThan(20);
    expect(
      JSON.parse(gunzipSync(await readFile(join(dir, `${name}-volumesnapshots.json.gz`))).toString()),
    ).toBeNull();
    expect(gunzipSync(await readFile(join(dir, `${name}-itemoperations.json.gz`))).toString()).toBe('[]\n');
    expect(JSON.parse(gunzipSync(await readFile(join(dir, `${name}-results.gz`))).toString())).toEqual({
      errors: {},
      warnings: {},
    });
  });

  it('lays items out at Velero’s paths with mode 0755, twin preferred-version copies and sorted-key JSON', () => {
    const listing = spawnSync('tar', ['--numeric-owner', '-tvzf', join(dir, `${name}.tar.gz`)], {
      encoding: 'utf8',
    });
    expect(listing.status).toBe(0);
    const lines = listing.stdout.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^-rwxr-xr-x 0\/0 /);
    const paths = lines.map((l) => l.split(/\s+/).slice(5).join(' '));
    expect(paths[0]).toBe('metadata/version');
    const app = estate.app;
    for (const p of [
      `resources/configmaps/namespaces/${app}/web-settings.json`,
      `resources/configmaps/v1-preferredversion/namespaces/${app}/web-settings.json`,
      `resources/deployments.apps/namespaces/${app}/web.json`,
      `resources/deployments.apps/v1-preferredversion/namespaces/${app}/web.json`,
      `resources/persistentvolumeclaims/namespaces/${app}/data.json`,
      `resources/persistentvolumes/cluster/${estate.pv}.json`,
      `resources/persistentvolumes/v1-preferredversion/cluster/${estate.pv}.json`,
      `resources/namespaces/cluster/${app}.json`,
      `resources/priorityclasses.scheduling.k8s.io/cluster/${estate.priorityClass}.json`,
      `resources/clusterrolebindings.rbac.authorization.k8s.io/cluster/${estate.clusterRole}.json`,
      `resources/clusterroles.rbac.authorization.k8s.io/cluster/${estate.clusterRole}.json`,
      `resources/widgets.bench.lifeboat.io/namespaces/${app}/blue.json`,
      `resources/widgets.bench.lifeboat.io/v1-preferredversion/namespaces/${app}/blue.json`,
      `resources/customresourcedefinitions.apiextensions.k8s.io/cluster/${WIDGET_CRD}.json`,
    ]) {
      expect(paths, p).toContain(p);
    }
    expect(paths.some((p) => p.startsWith('resources/storageclasses.storage.k8s.io/'))).toBe(false);
    expect(paths.filter((p) => p.endsWith('/'))).toEqual([]);

    const version = spawnSync('tar', ['-xOzf', join(dir, `${name}.tar.gz`), 'metadata/version'], {
      encoding: 'utf8',
    });
    expect(version.stdout).toBe('1.1.0\n');
    const item = spawnSync(
      'tar',
      ['-xOzf', join(dir, `${name}.tar.gz`), `resources/configmaps/namespaces/${app}/web-settings.json`],
      { encoding: 'utf8' },
    );
    const parsed = JSON.parse(item.stdout) as {
      apiVersion: string;
      kind: string;
      metadata: { uid: string; resourceVersion: string };
    };
    expect(parsed).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(parsed.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(item.stdout).toBe(goMarshal(parsed)); // compact, keys sorted as Go's json.Marshal writes them
  });

  it('keys the resource list by group/version/Kind with sorted ns/name entries', async () => {
    const list = await resourceList(name);
    expect(list['v1/ConfigMap']).toEqual(
      [
        `${estate.app}/db-settings`,
        `${estate.app}/kube-root-ca.crt`,
        `${estate.app}/web-settings`,
        `${estate.data}/kube-root-ca.crt`,
        `${estate.data}/warehouse`,
      ].sort(),
    );
    expect(list['apps/v1/Deployment']).toEqual([`${estate.app}/web`]);
    expect(list['v1/PersistentVolume']).toEqual([estate.pv]);
    expect(list['apiextensions.k8s.io/v1/CustomResourceDefinition']).toEqual([WIDGET_CRD]);
    expect(list['bench.lifeboat.io/v1/Widget']).toEqual([`${estate.app}/blue`, `${estate.app}/green`]);
    expect(list['v1/Namespace']).toEqual([estate.app, estate.data]);
  });

  it('fails verification when a byte of the tarball flips, naming the object', async () => {
    const tarball = join(dir, `${name}.tar.gz`);
    const bytes = await readFile(tarball);
    const original = Buffer.from(bytes);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await writeFile(tarball, bytes);
    try {
      const run = await lifeboat('backup', 'verify', name);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(`${name}.tar.gz`);
      expect(run.stdout).toMatch(/FAIL\s+(checksums|tarball)/);
      expect(run.stdout).toContain('failed verification');
    } finally {
      await writeFile(tarball, original);
    }
    expect((await lifeboat('backup', 'verify', name)).status).toBe(0);
  });

  it('never writes Secret data to the log', async () => {
    const logs = await lifeboat('backup', 'logs', name);
    expect(logs.status).toBe(0);
    expect(logs.stdout).toContain('backed up');
    expect(logs.stdout).not.toContain('correct-horse-battery-staple');
  });

  it('downloads the tarball byte for byte', async () => {
    const file = join(locations.dir, 'downloaded.tar.gz');
    const run = await lifeboat('backup', 'download', name, '-o', file);
    expect(run.status, run.stderr).toBe(0);
    expect((await readFile(file)).equals(await readFile(join(dir, `${name}.tar.gz`)))).toBe(true);
  });

  it('never writes through a symlink planted at the output path; --force replaces the link itself', async () => {
    const target = join(locations.dir, `precious-${suffix}`);
    await writeFile(target, 'keep me');
    const file = join(locations.dir, `planted-${suffix}.tar.gz`);
    await symlink(target, file);
    const refused = await lifeboat('backup', 'download', name, '-o', file);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/already exists/);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    const forced = await lifeboat('backup', 'download', name, '-o', file, '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    expect((await lstat(file)).isSymbolicLink()).toBe(false);
    expect((await readFile(file)).equals(await readFile(join(dir, `${name}.tar.gz`)))).toBe(true);
  });
});

describe('namespace patterns', () => {
  it('refuses a bad pattern as a usage error before anything is written', async () => {
    const name = `badglob-${suffix}`;
    const run = await lifeboat(
      'backup',
      'create',
      name,
      '--kubeconfig',
      source,
      '--include-namespaces',
      '[z-a]',
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/range z-a is reversed/);
    expect(await readdir(join(locations.fsRoot, 'backups', name)).catch(() => [])).toEqual([]);
  });
});

describe('backup delete', () => {
  it('asks for --confirm, then removes every object of the backup', async () => {
    const name = `doomed-${suffix}`;
    expect(
      (await lifeboat('backup', 'create', name, '--kubeconfig', source, '--include-namespaces', estate.data))
        .status,
    ).toBe(0);
    const refused = await lifeboat('backup', 'delete', name);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--confirm');
    const deleted = await lifeboat('backup', 'delete', name, '--confirm');
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(await readdir(join(locations.fsRoot, 'backups', name)).catch(() => [])).toEqual([]);
    const gone = await lifeboat('backup', 'describe', name);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/not found|does not exist/i);
  });
});
