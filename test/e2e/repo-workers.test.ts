import { execFile } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build.ts';
import { runCli } from '../helpers/cli.ts';
import { kopiaBinaries } from '../helpers/kopia.ts';
import { writeFilesystemConfig } from '../helpers/locations.ts';

/**
 * What ships hashes and opens contents on worker threads: `npm run build`'s bundle with
 * seal-worker.js beside it snapshots with --workers 2 (the JSON says how many chunks the workers
 * hashed), the kopia CLI verifies every file's data of what it wrote and restores it byte for byte,
 * and lifeboat restores it with --workers 2 (the workers opening the contents) byte for byte too.
 */
const exec = promisify(execFile);
const PASSWORD = 'static-passw0rd';
const MiB = 1 << 20;
let work: string;
let main: string;
let config: string;
let fsRoot: string;
let source: string;

function lifeboat(...args: string[]) {
  return runCli(['--config', config, '--log-level', 'error', ...args], { main, timeoutMs: 300_000 });
}

/** Seeded random bytes (AES-256-CTR keystream): chunks that never deduplicate by accident. */
function randomBytesOf(length: number, seed: number): Buffer {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16));
  return cipher.update(Buffer.alloc(length));
}

/** A large file of several chunks and 40 files of 100–300 KiB, each one content a worker opens. */
async function writeSourceTree(root: string): Promise<void> {
  await mkdir(join(root, 'many'), { recursive: true });
  await writeFile(join(root, 'large.bin'), randomBytesOf(24 * MiB, 1));
  for (let i = 0; i < 40; i++) {
    await writeFile(join(root, 'many', `f${i}.bin`), randomBytesOf((100 + 5 * i) << 10, 10 + i));
  }
  await writeFile(join(root, 'small.txt'), 'below the size that goes to a worker\n');
}

/** Relative path → file bytes (base64), for every file under root. */
async function filesOf(root: string, rel = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) for (const [k, v] of await filesOf(root, path)) out.set(k, v);
    else out.set(path, (await readFile(join(root, path))).toString('base64'));
  }
  return out;
}

async function kopia(args: string[]): Promise<string> {
  const { kopia: binary } = await kopiaBinaries();
  const { stdout } = await exec(
    binary,
    [...args, '--config-file', join(work, 'kopia.config'), '--password', PASSWORD],
    { maxBuffer: 1 << 26, env: { ...process.env, KOPIA_CHECK_FOR_UPDATES: 'false' } },
  );
  return stdout;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lifeboat-workers-'));
  main = await buildCli(join(work, 'dist', 'bin'));
  config = join(work, 'lifeboat.yaml');
  fsRoot = join(work, 'fs-location');
  await writeFilesystemConfig(config, fsRoot);
  source = join(work, 'source');
  await writeSourceTree(source);
}, 300_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the built CLI with worker threads', () => {
  let id = '';

  it('has its worker module beside it', () => {
    expect(existsSync(join(dirname(main), 'seal-worker.js'))).toBe(true);
  });

  it('snapshots with --workers 2, the workers hashing the file chunks', async () => {
    const r = await lifeboat(
      'repo',
      'snapshot',
      source,
      '--namespace',
      'app',
      '--source',
      'web-0/data',
      '--workers',
      '2',
      '-o',
      'json',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { snapshot: { id: string; files: number }; onWorkers: number };
    id = out.snapshot.id;
    expect(out.snapshot.files).toBe(42);
    // 40 small files and the large file's chunks, each hashed there.
    expect(out.onWorkers).toBeGreaterThanOrEqual(41);
  });

  it('kopia verifies every file of it and restores it byte for byte', async () => {
    await kopia([
      'repository',
      'connect',
      'filesystem',
      '--path',
      join(fsRoot, 'kopia', 'app'),
      '--cache-directory',
      join(work, 'kopia.cache'),
      '--no-persist-credentials',
    ]);
    await kopia(['snapshot', 'verify', '--verify-files-percent=100']);
    await kopia(['content', 'verify']);
    const target = join(work, 'kopia-restored');
    await kopia(['snapshot', 'restore', id, target]);
    expect(await filesOf(target)).toEqual(await filesOf(source));
  });

  it('restores it with --workers 2 byte for byte, the workers opening the contents', async () => {
    const target = join(work, 'lifeboat-restored');
    const r = await lifeboat('repo', 'restore', id, target, '--workers', '2', '-o', 'json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { stats: { files: number; onWorkers: number } };
    expect(out.stats.files).toBe(42);
    expect(out.stats.onWorkers).toBeGreaterThanOrEqual(41);
    expect(await filesOf(target)).toEqual(await filesOf(source));
  });

  it('refuses a --workers that is not a number or auto', async () => {
    const r = await lifeboat('repo', 'restore', id, join(work, 'never'), '--workers', 'many');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("--workers: 'many' is not a number of threads or auto");
  });
});
