import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../errors/index.ts';
import { MemoryTree } from './memory-tree.test-support.ts';
import { restoreTree } from './restore-tree.ts';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lifeboat-restore-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<LifeboatError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof LifeboatError)) throw new Error(`expected a LifeboatError, got ${String(err)}`);
  return err;
}

describe('restoreTree', () => {
  it('restores files, directories, empty ones, symlinks, modes, owners and mtimes', async () => {
    const t = new MemoryTree();
    const long = 'n'.repeat(255);
    const root = t.dir(
      '',
      [
        t.dir('sub', [t.file('inner.txt', 'inner', { mode: 0o600 })], {
          mode: 0o750,
          mtime: new Date('2020-01-02T03:04:05Z'),
        }),
        t.dir('empty', [], { mode: 0o700 }),
        t.file('a.txt', 'hello', { mode: 0o640, mtimeNs: 1_700_000_000_123_456_999n, uid: 1234, gid: 5678 }),
        t.file('zero', ''),
        t.file('suid', 'x', { mode: 0o4755 }),
        t.dir('sticky', [], { mode: 0o1777 }),
        t.file(long, 'long name'),
        t.file('ünïcødé-名前-😀', 'utf8'),
        t.link('abs', '/etc/passwd'),
        t.link('rel', 'sub/inner.txt'),
        t.link('dangling', 'nowhere/at/all'),
        t.link('loop', 'loop'),
        t.other('socket'),
      ],
      { mode: 0o711, mtime: new Date('2021-05-06T07:08:09Z') },
    );
    const target = join(base, 'new', 'target');
    const stats = await restoreTree(t, target, { root });

    expect(stats).toMatchObject({ files: 6, directories: 4, symlinks: 4, bytes: 5 + 5 + 1 + 9 + 4 + 0 });
    expect(stats.skipped).toEqual([
      { path: 'socket', reason: expect.stringContaining('unsupported') as string },
    ]);
    expect(await readFile(join(target, 'a.txt'), 'utf8')).toBe('hello');
    expect(await readFile(join(target, 'sub/inner.txt'), 'utf8')).toBe('inner');
    expect(await readFile(join(target, long), 'utf8')).toBe('long name');
    expect(await readFile(join(target, 'ünïcødé-名前-😀'), 'utf8')).toBe('utf8');
    expect((await lstat(join(target, 'zero'))).size).toBe(0);
    expect(await readdir(join(target, 'empty'))).toEqual([]);

    const a = await lstat(join(target, 'a.txt'), { bigint: true });
    expect(Number(a.mode & 0o7777n)).toBe(0o640);
    // Node (libuv) sets whole microseconds: the snapshot's microsecond, never one off by rounding.
    expect(a.mtimeNs / 1000n).toBe(1_700_000_000_123_456n);
    if (process.getuid?.() === 0) expect([a.uid, a.gid]).toEqual([1234n, 5678n]);
    expect((await lstat(join(target, 'suid'))).mode & 0o7777).toBe(0o4755);
    expect((await lstat(join(target, 'sticky'))).mode & 0o7777).toBe(0o1777);
    const sub = await lstat(join(target, 'sub'));
    expect(sub.mode & 0o7777).toBe(0o750);
    expect(sub.mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');
    const top = await lstat(target);
    expect(top.mode & 0o7777).toBe(0o711);
    expect(top.mtime.toISOString()).toBe('2021-05-06T07:08:09.000Z');

    for (const [name, to] of [
      ['abs', '/etc/passwd'],
      ['rel', 'sub/inner.txt'],
      ['dangling', 'nowhere/at/all'],
      ['loop', 'loop'],
    ] as const) {
      expect((await lstat(join(target, name))).isSymbolicLink()).toBe(true);
      expect(await readlink(join(target, name))).toBe(to);
    }
    expect((await lstat(join(target, 'abs'))).mtime.toISOString()).toBe('2024-03-01T10:20:30.123Z');
    expect((await readdir(target)).filter((n) => n.startsWith('.lifeboat-restore-'))).toEqual([]);
  });

  it('restores deep directories', async () => {
    const t = new MemoryTree();
    let node = t.dir('d', [t.file('leaf', 'deep')]);
    for (let i = 0; i < 300; i++) node = t.dir('d', [node]);
    const root = t.dir('', [node]);
    const target = join(base, 't');
    const stats = await restoreTree(t, target, { root });
    expect(stats.directories).toBe(302);
    expect(await readFile(join(target, ...Array<string>(301).fill('d'), 'leaf'), 'utf8')).toBe('deep');
  });

  it('restores into an existing empty directory and refuses a non-empty one unless overwriting', async () => {
    const t = new MemoryTree();
    const root = t.dir('', [t.file('f', 'new')]);
    const target = join(base, 't');
    await mkdir(target);
    await restoreTree(t, target, { root });
    const err = await rejection(restoreTree(t, target, { root }));
    expect(err.code).toBe('CONFLICT');
    await writeFile(join(target, 'f'), 'old');
    await restoreTree(t, target, { root, overwrite: true });
    expect(await readFile(join(target, 'f'), 'utf8')).toBe('new');
    await writeFile(join(base, 'plain'), 'x');
    expect((await rejection(restoreTree(t, join(base, 'plain'), { root }))).code).toBe('CONFLICT');
  });

  it.each(['..', '.', '', 'a/b', '/abs', 'nul\0byte'])('refuses the escaping name %j', async (name) => {
    const t = new MemoryTree();
    const root = t.dir('', [t.dir('ok', [t.file(name, 'evil')])]);
    const err = await rejection(restoreTree(t, join(base, 't'), { root }));
    expect(err.code).toBe('CORRUPT');
    expect(await readdir(base)).toEqual(['t']);
  });

  it('refuses a symlink followed by a directory of the same name (a -> outside, then a/passwd)', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    const t = new MemoryTree();
    const root = t.dir('', [t.dir('a', [t.file('passwd', 'owned')]), t.link('a', outside)]);
    expect((await rejection(restoreTree(t, join(base, 't'), { root }))).code).toBe('CORRUPT');
    const t2 = new MemoryTree();
    const root2 = t2.dir('', [t2.link('a', outside), t2.file('a', 'owned')]);
    expect((await rejection(restoreTree(t2, join(base, 't2'), { root: root2 }))).code).toBe('CORRUPT');
    expect(await readdir(outside)).toEqual([]);
  });

  it('replaces symlinks found in an overwritten target instead of writing through them', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'file'), 'precious');
    const target = join(base, 't');
    await mkdir(target);
    await symlink(outside, join(target, 'a'));
    await symlink(join(outside, 'file'), join(target, 'f'));
    const t = new MemoryTree();
    const root = t.dir('', [t.dir('a', [t.file('passwd', 'owned')]), t.file('f', 'new')]);
    await restoreTree(t, target, { root, overwrite: true });
    expect((await lstat(join(target, 'a'))).isDirectory()).toBe(true);
    expect(await readFile(join(target, 'a/passwd'), 'utf8')).toBe('owned');
    expect((await lstat(join(target, 'f'))).isSymbolicLink()).toBe(false);
    expect(await readdir(outside)).toEqual(['file']);
    expect(await readFile(join(outside, 'file'), 'utf8')).toBe('precious');
  });

  it('fails with OPERATION_FAILED when a directory stands where a file goes (overwrite)', async () => {
    const target = join(base, 't');
    await mkdir(join(target, 'f'), { recursive: true });
    await writeFile(join(target, 'f', 'inside'), 'x');
    const t = new MemoryTree();
    const root = t.dir('', [t.file('f', 'data')]);
    const err = await rejection(restoreTree(t, target, { root, overwrite: true }));
    expect(err.code).toBe('OPERATION_FAILED');
    expect((await readdir(target)).sort()).toEqual(['f']);
  });

  it('fails on a file whose contents are not its size, leaving no file behind', async () => {
    const t = new MemoryTree();
    const short = t.generated('short', 10, () => [Buffer.from('abc')]);
    const root = t.dir('', [short]);
    const target = join(base, 't');
    const err = await rejection(restoreTree(t, target, { root }));
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toContain('short');
    expect(await readdir(target)).toEqual([]);
  });

  it('stops on abort, leaving no partial file under its final name', async () => {
    const t = new MemoryTree();
    const controller = new AbortController();
    const chunk = Buffer.alloc(64 * 1024, 7);
    const files = Array.from({ length: 6 }, (_, i) =>
      t.generated(`f${i}`, 64 * 1024 * 100, async function* () {
        for (let n = 0; n < 100; n++) {
          if (n === 50 && i === 3) controller.abort();
          await new Promise((r) => setImmediate(r));
          yield chunk;
        }
      }),
    );
    const root = t.dir('', [t.file('done', 'small'), ...files]);
    const target = join(base, 't');
    const err = await rejection(restoreTree(t, target, { root, concurrency: 4, signal: controller.signal }));
    expect(err.code).toBe('INTERRUPTED');
    const left = await readdir(target);
    expect(left.filter((n) => n.startsWith('f'))).toEqual([]);
    expect(left.filter((n) => n.startsWith('.lifeboat-restore-'))).toEqual([]);
  });

  it('keeps at most `concurrency` files open at once', async () => {
    const t = new MemoryTree();
    const files = Array.from({ length: 40 }, (_, i) =>
      t.generated(`f${i}`, 3, async function* () {
        await new Promise((r) => setTimeout(r, 2));
        yield Buffer.from('abc');
      }),
    );
    const root = t.dir('', [t.dir('x', files.slice(0, 20)), t.dir('y', files.slice(20))]);
    await restoreTree(t, join(base, 't'), { root, concurrency: 3 });
    expect(t.maxOpen).toBe(3);
    expect(t.open).toBe(0);
  });
});
