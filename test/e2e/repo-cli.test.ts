import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildCli } from '../../scripts/build.ts';
import { runCli } from '../helpers/cli.ts';
import { kopiaBinaries, kopiaS3Storage } from '../helpers/kopia.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';

/**
 * `lifeboat repo` through the built CLI: snapshot a tree into kopia/<ns>/ of a filesystem and an S3
 * location, list it, restore it byte for byte, verify it, and the kopia CLI lists the same snapshot.
 */
const harness = inject('harness');
const exec = promisify(execFile);
const PASSWORD = 'static-passw0rd';
let main: string;
let locations: LocationsFixture;
let source: string;

function lifeboat(...args: string[]) {
  return runCli(['--log-level', 'error', ...args], {
    env: { ...locations.env, WRONG_REPO_PASSWORD: 'not-the-password' },
    main,
    timeoutMs: 120_000,
  });
}

async function writeSourceTree(root: string): Promise<void> {
  await mkdir(join(root, 'deep/er/still'), { recursive: true });
  await mkdir(join(root, 'empty-dir'));
  await writeFile(join(root, 'small.txt'), 'hello, volume\n');
  await writeFile(join(root, 'empty'), '');
  await writeFile(join(root, 'deep/er/still/random.bin'), randomBytes(9 << 20));
  await writeFile(join(root, 'naïve – ünïcode.txt'), 'ü');
  await symlink('small.txt', join(root, 'link-relative'));
  await symlink('/nonexistent/target', join(root, 'link-dangling'));
}

/** path → what it is (file bytes as hex digest-free content, symlink target, or "dir"). */
async function treeOf(root: string, rel = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(join(root, rel))).sort()) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const st = await lstat(join(root, path));
    if (st.isSymbolicLink()) out.set(path, `link:${await readlink(join(root, path))}`);
    else if (st.isDirectory()) {
      out.set(path, 'dir');
      for (const [k, v] of await treeOf(root, path)) out.set(k, v);
    } else out.set(path, (await readFile(join(root, path))).toString('base64'));
  }
  return out;
}

beforeAll(async () => {
  locations = await createLocations(harness);
  main = await buildCli(join(locations.dir, 'dist', 'bin'));
  source = join(locations.dir, 'source');
  await writeSourceTree(source);
  // A location over the same folder whose repository password (from the environment) is wrong.
  const config = parse(await readFile(locations.configPath, 'utf8')) as { locations: object[] };
  config.locations.push({
    name: 'fs-wrong',
    provider: 'filesystem',
    objectStorage: { bucket: locations.fsRoot },
    config: { repositoryPasswordEnvVar: 'WRONG_REPO_PASSWORD' },
  });
  await writeFile(locations.configPath, stringify(config));
}, 300_000);

afterAll(async () => {
  await locations.cleanup();
});

/** The kopia CLI connects to the repository lifeboat wrote, verifies it and lists its snapshots. */
async function kopiaList(location: 'fs' | 's3'): Promise<{ id: string; source: { path: string } }[]> {
  const { kopia } = await kopiaBinaries();
  const base = ['--config-file', join(locations.dir, `kopia-${location}.config`), '--password', PASSWORD];
  const cache = ['--cache-directory', join(locations.dir, `kopia-${location}.cache`)];
  const opts = {
    env: { PATH: process.env['PATH'] ?? '', HOME: locations.dir, KOPIA_CHECK_FOR_UPDATES: 'false' },
    maxBuffer: 1 << 24,
  };
  const s3 = harness.s3!;
  const storage =
    location === 'fs'
      ? ['filesystem', '--path', join(locations.fsRoot, 'kopia', 'app')]
      : kopiaS3Storage(s3, locations.bucket, 'cluster-a/kopia/app/');
  await exec(
    kopia,
    ['repository', 'connect', ...storage, '--no-persist-credentials', ...cache, ...base],
    opts,
  );
  // kopia itself checks lifeboat's snapshots: every directory, every file's contents read and hashed.
  await exec(kopia, ['snapshot', 'verify', '--verify-files-percent=100', ...base], opts);
  const { stdout } = await exec(kopia, ['snapshot', 'list', '--all', '--json', ...base], opts);
  return JSON.parse(stdout) as { id: string; source: { path: string } }[];
}

describe.each(['fs', 's3'] as const)('lifeboat repo on location %s', (location) => {
  let id = '';

  it('snapshots a directory into kopia/app/ and prints its ID', async () => {
    const r = await lifeboat(
      'repo',
      'snapshot',
      source,
      '--namespace',
      'app',
      '--source',
      'web-0/data',
      '--location',
      location,
      '--tag',
      'run=e2e',
      '-o',
      'json',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { snapshot: { id: string; source: string; files: number } };
    id = out.snapshot.id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(out.snapshot.source).toBe('default@default:pod-volume-backup-restore/kopia/app/web-0/data');
  });

  it('lists it, and the kopia CLI lists the same snapshot', async () => {
    const r = await lifeboat('repo', 'snapshots', '--location', location, '-o', 'json');
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as { id: string; namespace: string; files: number; tags: object }[];
    const row = rows.find((x) => x.id === id);
    expect(row).toMatchObject({
      namespace: 'app',
      files: 4,
      tags: { run: 'e2e', 'snapshot-uploader': 'kopia' },
    });
    const table = await lifeboat('repo', 'snapshots', '--location', location, '--namespace', 'app');
    expect(table.stdout).toContain(id);
    const listed = await kopiaList(location);
    expect(listed.map((s) => s.id)).toContain(id);
    expect(listed.find((s) => s.id === id)?.source.path).toBe(
      'pod-volume-backup-restore/kopia/app/web-0/data',
    );
  });

  it('restores it byte for byte', async () => {
    const target = join(locations.dir, `restore-${location}`);
    const r = await lifeboat('repo', 'restore', id, target, '--location', location);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Restored snapshot ${id}`);
    expect(await treeOf(target)).toEqual(await treeOf(source));
  });

  it('verifies it, reading all data', async () => {
    const r = await lifeboat('repo', 'verify', id, '--location', location, '--read-data');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 snapshot(s) verified.');
    const all = await lifeboat('repo', 'verify', '--location', location, '--namespace', 'app');
    expect(all.status).toBe(0);
  });
});

describe('lifeboat repo failures', () => {
  it('a wrong password fails with a clear message', async () => {
    const r = await lifeboat('repo', 'snapshots', '--location', 'fs-wrong');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/password/i);
    expect(r.stderr).not.toContain('not-the-password');
  });

  it('an unknown snapshot ID fails naming it', async () => {
    const r = await lifeboat(
      'repo',
      'restore',
      'k0123456789abcdef0123456789abcdef',
      join(locations.dir, 'x'),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no snapshot k0123456789abcdef0123456789abcdef');
    const v = await lifeboat('repo', 'verify', 'k0123456789abcdef0123456789abcdef');
    expect(v.status).toBe(1);
  });

  it('a namespace without a repository fails naming the ones there are', async () => {
    const r = await lifeboat('repo', 'snapshots', '--namespace', 'nope');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no kopia repository for namespace "nope"');
    expect(r.stderr).toContain('app');
  });

  it('a missing directory fails naming it, and no repository is created for it', async () => {
    const missing = join(locations.dir, 'no-such-dir');
    const ns = `missing-${randomBytes(3).toString('hex')}`;
    const r = await lifeboat('repo', 'snapshot', missing, '--namespace', ns, '--source', 'p/v');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${missing} does not exist.`);
    const listed = await lifeboat('repo', 'snapshots', '--namespace', ns);
    expect(listed.stderr).toContain(`no kopia repository for namespace "${ns}"`);
  });

  it('a snapshot whose repository fails to open ends with that error while the source is read', async () => {
    const flags = '--namespace app --source web-0/data --location fs-wrong'.split(' ');
    const r = await lifeboat('repo', 'snapshot', source, ...flags);
    expect(r.status).toBe(1); // not null: the process ended by itself
    expect(r.stderr).toMatch(/password/i);
    expect(r.stderr).not.toContain('not-the-password');
  });

  it('a bad --source is a usage error', async () => {
    const r = await lifeboat('repo', 'snapshot', source, '--namespace', 'app', '--source', 'a/b/c');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('POD/VOLUME, PVC or USER@HOST:PATH');
  });
});
