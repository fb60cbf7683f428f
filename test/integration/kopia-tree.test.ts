// The tree part against the kopia CLI: the walk sees a directory as kopia's snapshot manifests record it,
// and a restore writes the same tree `kopia snapshot restore --write-sparse-files` writes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile,
  open,
} from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { restoreTree } from '../../src/volumedata/kopia/tree/restore-tree.ts';
import {
  kopiaModeFromPosix,
  type TreeEntry,
  type TreeSource,
} from '../../src/volumedata/kopia/tree/tree-entry.ts';
import {
  localEntry,
  readLocalDirectory,
  walkTree,
  type LocalEntry,
} from '../../src/volumedata/kopia/tree/walk-tree.ts';
import { kopiaBinaries } from '../helpers/kopia.ts';

const exec = promisify(execFile);
const MiB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;

const dirEntrySchema = z.object({
  name: z.string(),
  type: z.string(),
  mode: z.string().optional(),
  size: z.number().optional(),
  mtime: z.string(),
  uid: z.number().optional(),
  gid: z.number().optional(),
  obj: z.string(),
});
type KopiaDirEntry = z.infer<typeof dirEntrySchema>;
const dirManifestSchema = z.object({
  stream: z.literal('kopia:directory'),
  entries: z.array(dirEntrySchema).nullable(),
});

let base: string;
let src: string;
let server: Server;
let kopiaCli: string;
let kopiaArgs: string[];

async function kopia(...args: string[]): Promise<string> {
  const { stdout } = await exec(kopiaCli, [...args, ...kopiaArgs], {
    env: { ...process.env, KOPIA_PASSWORD: 'test-password', KOPIA_CHECK_FOR_UPDATES: 'false' },
    maxBuffer: 1 << 28,
  });
  return stdout;
}

/** RFC 3339 with up to 9 fraction digits, as nanoseconds since the epoch. */
function nanos(rfc3339: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(rfc3339);
  if (!m?.[1]) throw new Error(`bad time ${rfc3339}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

async function buildSource(root: string): Promise<void> {
  await mkdir(join(root, 'deep'), { recursive: true });
  let deep = join(root, 'deep');
  for (let i = 0; i < 25; i++) {
    deep = join(deep, `level-${i}`);
    await mkdir(deep);
  }
  await writeFile(join(deep, 'bottom.txt'), 'bottom');
  await mkdir(join(root, 'empty-dir'));
  await mkdir(join(root, 'sticky'), { mode: 0o1777 });
  await writeFile(join(root, 'empty-file'), '');
  await writeFile(join(root, 'suid'), '#!/bin/sh\n', { mode: 0o4755 });
  await writeFile(join(root, 'private'), 'secret-ish', { mode: 0o600 });
  await writeFile(join(root, 'n'.repeat(255)), 'long');
  await writeFile(join(root, 'ünïcødé 名前 😀 \uff5e'), 'utf8');
  for (let i = 0; i < 50; i++) await writeFile(join(root, `small-${i}`), `file ${i}\n`.repeat(i));
  await symlink('/etc/passwd', join(root, 'abs-link'));
  await symlink('deep/level-0', join(root, 'rel-link'));
  await symlink('does/not/exist', join(root, 'dangling'));
  await symlink('loop', join(root, 'loop'));
  const sparse = await open(join(root, 'sparse'), 'w');
  for (let at = 0; at < 64 * MiB; at += 8 * MiB)
    await sparse.write(Buffer.alloc(4096, 0xab), 0, 4096, at + 12345);
  await sparse.truncate(64 * MiB + 77);
  await sparse.close();
  if (isRoot) await chown(join(root, 'private'), 1234, 5678);
  await utimes(join(root, 'private'), 1_600_000_000.123456, 1_600_000_000.123456);
  server = createServer();
  await new Promise<void>((resolve) => server.listen(join(root, 'socket'), resolve));
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lifeboat-kopia-tree-'));
  src = join(base, 'src');
  await mkdir(src);
  await buildSource(src);
  kopiaCli = (await kopiaBinaries()).kopia;
  kopiaArgs = [`--config-file=${join(base, 'kopia.config')}`];
  await kopia(
    'repository',
    'create',
    'filesystem',
    `--path=${join(base, 'repo')}`,
    `--cache-directory=${join(base, 'cache')}`,
    '--no-persist-credentials',
  );
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(base, { recursive: true, force: true });
});

async function snapshotRoot(): Promise<string> {
  const out = z
    .object({ rootEntry: z.object({ obj: z.string() }) })
    .parse(JSON.parse(await kopia('snapshot', 'create', src, '--json')));
  return out.rootEntry.obj;
}

async function showDirectory(oid: string): Promise<KopiaDirEntry[]> {
  return dirManifestSchema.parse(JSON.parse(await kopia('show', oid))).entries ?? [];
}

function expectSameEntry(ours: LocalEntry, theirs: KopiaDirEntry, where: string): void {
  const type = { directory: 'd', file: 'f', symlink: 's' }[ours.type];
  expect({ where, name: ours.name, type }).toEqual({ where, name: theirs.name, type: theirs.type });
  expect({ where, mode: kopiaModeFromPosix(ours.mode) }).toEqual({
    where,
    mode: parseInt(theirs.mode ?? '0', 8),
  });
  expect({ where, mtimeNs: ours.mtimeNs }).toEqual({ where, mtimeNs: nanos(theirs.mtime) });
  expect({ where, uid: ours.uid, gid: ours.gid }).toEqual({
    where,
    uid: theirs.uid ?? 0,
    gid: theirs.gid ?? 0,
  });
  if (ours.type !== 'directory')
    expect({ where, size: ours.size }).toEqual({ where, size: theirs.size ?? 0 });
}

describe('walkTree against kopia snapshot create', () => {
  it('lists every directory in the order and with the attributes of kopia directory manifests', async () => {
    const rootOid = await snapshotRoot();
    const walked = [];
    for await (const dir of walkTree(src)) walked.push(dir);
    // Children come before their parent: read kopia's manifests top-down, then compare.
    const manifests = new Map<string, KopiaDirEntry[]>();
    const pending: [string, string][] = [['', rootOid]];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const [rel, oid] = next;
      const entries = await showDirectory(oid);
      manifests.set(rel, entries);
      for (const e of entries)
        if (e.type === 'd') pending.push([rel === '' ? e.name : `${rel}/${e.name}`, e.obj]);
    }
    expect(walked.map((d) => d.relativePath).sort()).toEqual([...manifests.keys()].sort());
    for (const dir of walked) {
      const theirs = manifests.get(dir.relativePath) ?? [];
      expect(dir.entries.map((e) => e.name)).toEqual(theirs.map((e) => e.name));
      for (const [i, ours] of dir.entries.entries())
        expectSameEntry(ours, theirs[i] as KopiaDirEntry, dir.relativePath);
    }
    expect(walked.at(-1)?.skipped).toEqual(['socket']);
    const directories = walked.length;
    expect(directories).toBeGreaterThan(25);
  });
});

/** A TreeSource over a local directory: object IDs are paths. */
function localSource(): TreeSource {
  const toTree = (dir: string, e: LocalEntry): TreeEntry => ({
    name: e.name,
    type: e.type,
    mode: e.mode,
    size: e.size,
    mtime: new Date(Number(e.mtimeNs / 1_000_000n)),
    mtimeNs: e.mtimeNs,
    uid: e.uid,
    gid: e.gid,
    objectId: join(dir, e.name),
  });
  return {
    readDirectory: async (dir) => (await readLocalDirectory(dir)).entries.map((e) => toTree(dir, e)),
    openFile: (entry) => Promise.resolve(createReadStream(entry.objectId, { highWaterMark: MiB })),
    readSymlink: (entry) => readlink(entry.objectId),
  };
}

async function sha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Everything a restore sets, per relative path, with mtimes to the microsecond (Node's utimes keeps no more). */
async function describeTree(root: string, rel = ''): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const name of (await readdir(join(root, rel))).sort()) {
    const path = join(root, rel, name);
    const relPath = rel === '' ? name : `${rel}/${name}`;
    const st = await lstat(path, { bigint: true });
    const common = { mode: Number(st.mode), uid: st.uid, gid: st.gid, size: st.isDirectory() ? 0n : st.size };
    const mtimeUs = st.mtimeNs / 1000n;
    if (st.isSymbolicLink()) out.set(relPath, { ...common, link: await readlink(path), mtimeUs });
    else if (st.isFile()) out.set(relPath, { ...common, sha: await sha(path), mtimeUs });
    else if (st.isDirectory()) {
      for (const [k, v] of await describeTree(root, relPath)) out.set(k, v);
      out.set(relPath, { ...common, mtimeUs });
    }
  }
  return out;
}

describe('restoreTree against kopia snapshot restore', () => {
  it('writes the same tree, attributes and holes as kopia', async () => {
    const rootOid = await snapshotRoot();
    const viaKopia = join(base, 'restored-by-kopia');
    let started = performance.now();
    await kopia('snapshot', 'restore', rootOid, viaKopia, '--write-sparse-files');
    const kopiaMs = performance.now() - started;
    const viaLifeboat = join(base, 'restored-by-lifeboat');
    started = performance.now();
    const stats = await restoreTree(localSource(), viaLifeboat, {
      root: { ...toRoot(await localEntry(src)), objectId: src },
    });
    const oursMs = performance.now() - started;
    console.log(
      `restore of the test tree: kopia ${kopiaMs.toFixed(0)} ms (process included), lifeboat ${oursMs.toFixed(0)} ms`,
    );
    // The local source lists the socket as kopia does: not at all.
    expect(stats.skipped).toEqual([]);

    const source = await describeTree(src);
    const theirs = await describeTree(viaKopia);
    const ours = await describeTree(viaLifeboat);
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    expect([...ours.keys()].sort()).toEqual([...source.keys()].sort());
    for (const [path, attrs] of source) {
      const mine = ours.get(path) as { mtimeUs: bigint; link?: string };
      const want = attrs as { mtimeUs: bigint; link?: string };
      if (want.link === undefined) expect({ path, ...mine }).toEqual({ path, ...want });
      else {
        // A symlink's mtime is rounded up to the microsecond, as kopia's restore does (a timeval).
        expect({ path, ...mine, mtimeUs: 0n }).toEqual({ path, ...want, mtimeUs: 0n });
        expect(mine.mtimeUs - want.mtimeUs).toBeLessThanOrEqual(1n);
      }
      // kopia 0.22.3 leaves some directories of a deep chain with their child's mtime instead of their
      // own (its parallel restore); everything else it writes is what lifeboat writes.
      const { mtimeUs: _theirMtime, ...kopiaAttrs } = theirs.get(path) as { mtimeUs: bigint };
      const { mtimeUs: _ourMtime, ...ourAttrs } = mine as { mtimeUs?: bigint };
      expect({ path, ...ourAttrs }).toEqual({ path, ...kopiaAttrs });
    }
    const [kopiaSparse, ourSparse] = await Promise.all([
      lstat(join(viaKopia, 'sparse')),
      lstat(join(viaLifeboat, 'sparse')),
    ]);
    console.log(
      `64 MiB sparse file on disk: kopia ${kopiaSparse.blocks * 512} bytes, lifeboat ${ourSparse.blocks * 512} bytes`,
    );
    expect(ourSparse.blocks).toBeLessThanOrEqual(kopiaSparse.blocks);
  });
});

function toRoot(e: LocalEntry): TreeEntry {
  return {
    name: '',
    type: 'directory',
    mode: e.mode,
    size: 0,
    mtime: new Date(0),
    mtimeNs: e.mtimeNs,
    uid: e.uid,
    gid: e.gid,
    objectId: '',
  };
}
