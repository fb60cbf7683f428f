/**
 * The images a real test node holds: busybox for workloads, a pause image for pod sandboxes (both
 * from Debian's busybox-static) and, when asked, lifeboat's own agent image. Built, never pulled.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { writeImageArchive, parentDirs, type ImageSpec, type LayerEntry } from './images.ts';
import { repoRoot } from './paths.ts';

const run = promisify(execFile);

export const BUSYBOX_IMAGE = 'registry.local/busybox:1';
export const PAUSE_IMAGE = 'registry.local/pause:1';
export const LIFEBOAT_IMAGE = 'registry.local/lifeboat:dev';
export const BUSYBOX_BINARY = '/bin/busybox';

/** A root file system with busybox, its applets as symlinks, root and nobody users, and /tmp. */
async function busyboxRoot(): Promise<LayerEntry[]> {
  const { stdout } = await run(BUSYBOX_BINARY, ['--list']);
  const applets = stdout
    .split('\n')
    .map((a) => a.trim())
    .filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
  return [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'etc' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'root', mode: 0o700 },
    { type: 'host-file', path: 'bin/busybox', source: BUSYBOX_BINARY, mode: 0o755 },
    ...applets.map((a): LayerEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    {
      type: 'file',
      path: 'etc/passwd',
      content: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n'),
    },
    { type: 'file', path: 'etc/group', content: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
  ];
}

export async function busyboxImage(): Promise<ImageSpec> {
  return { ref: BUSYBOX_IMAGE, entries: await busyboxRoot(), cmd: ['/bin/sh'] };
}

export async function pauseImage(): Promise<ImageSpec> {
  return {
    ref: PAUSE_IMAGE,
    entries: await busyboxRoot(),
    entrypoint: ['/bin/sleep', '2147483647'],
    user: '65534:65534',
  };
}

/**
 * deploy/Dockerfile's ENTRYPOINT (node with its heap flags, then the bundle): the agent runs in the
 * test image as in the image users build.
 */
export async function dockerfileEntrypoint(): Promise<string[]> {
  const dockerfile = await readFile(join(repoRoot, 'deploy', 'Dockerfile'), 'utf8');
  const line = dockerfile.split('\n').find((l) => l.startsWith('ENTRYPOINT '));
  const parsed: unknown = JSON.parse(line?.slice('ENTRYPOINT '.length) ?? 'null');
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string') || parsed[0] !== 'node')
    throw new Error('deploy/Dockerfile has no ENTRYPOINT ["node", …] in JSON form');
  return parsed;
}

/**
 * lifeboat's agent image, laid out as deploy/Dockerfile's (its ENTRYPOINT too): the pinned Node runtime as `node` on the
 * PATH, the shared libraries `ldd` names for it, and the bundled CLI at /app/dist/bin (lifeboat.js
 * and its chunks, from `npm run build`; no source maps), run as uid 1000 — the restore-wait init
 * container runs `node /app/dist/bin/lifeboat.js restore-helper` in it.
 */
export async function lifeboatImage(bundle = join(repoRoot, 'dist', 'bin')): Promise<ImageSpec> {
  const nodeBinary = join(repoRoot, 'node_modules', 'node', 'bin', 'node');
  const cli = join(bundle, 'lifeboat.js');
  await access(cli).catch(() => {
    throw new Error(`${cli} is missing: run 'npm run build' before building the lifeboat image`);
  });
  const { stdout } = await run('ldd', [nodeBinary]);
  const libraries = [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1] ?? '');
  const files = [
    ...libraries.filter(Boolean).map((lib) => ({ path: lib.slice(1), source: lib })),
    { path: 'usr/local/bin/node', source: nodeBinary },
    ...(await readdir(bundle, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.endsWith('.map'))
      .map((e) => join(e.parentPath, e.name))
      .map((source) => ({ path: join('app/dist/bin', relative(bundle, source)), source })),
  ];
  return {
    ref: LIFEBOAT_IMAGE,
    entries: [
      ...parentDirs(files.map((f) => f.path)),
      { type: 'dir', path: 'tmp', mode: 0o1777 },
      ...files.map((f): LayerEntry => ({ type: 'host-file', ...f })),
    ],
    env: [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOME=/tmp',
      'NODE_ENV=production',
    ],
    entrypoint: await dockerfileEntrypoint(),
    workingDir: '/app',
    user: '1000:1000',
  };
}

/** Writes the archives a node imports into DIR; returns their paths. */
export async function buildNodeImages(dir: string, options: { lifeboat: boolean }): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const specs = [await busyboxImage(), await pauseImage()];
  if (options.lifeboat) specs.push(await lifeboatImage());
  const paths: string[] = [];
  for (const spec of specs) {
    const path = join(dir, `${spec.ref.replace(/[^a-z0-9]+/g, '-')}.tar`);
    await writeImageArchive(spec, path);
    paths.push(path);
  }
  return paths;
}
