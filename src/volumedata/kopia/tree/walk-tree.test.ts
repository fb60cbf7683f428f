import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../errors/index.ts';
import { compareUtf8, kopiaModeFromPosix, posixModeFromKopia } from './tree-entry.ts';
import { openLocalFileReader, SYNC_READ_BYTES, walkTree, type LocalDirectory } from './walk-tree.ts';

let base: string;
let server: Server | undefined;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lifeboat-walk-'));
});
afterEach(async () => {
  if (server) await new Promise((r) => server?.close(r));
  server = undefined;
  await rm(base, { recursive: true, force: true });
});

async function collect(root: string): Promise<LocalDirectory[]> {
  const out: LocalDirectory[] = [];
  for await (const dir of walkTree(root)) out.push(dir);
  return out;
}

describe('walkTree', () => {
  it('yields directories after their subdirectories, entries in kopia order, with lstat data', async () => {
    const root = join(base, 'r');
    await mkdir(join(root, 'zdir/inner'), { recursive: true });
    await mkdir(join(root, 'Adir'));
    for (const name of ['b', 'B', 'a', 'é', 'z', '😀', '\uff5e', 'a.txt'])
      await writeFile(join(root, name), name);
    await writeFile(join(root, 'zdir/inner/deep'), 'deep');
    await symlink('/nowhere', join(root, 'link'));
    await chmod(join(root, 'b'), 0o4750);
    await utimes(join(root, 'a'), 1_700_000_000.5, 1_700_000_000.5);
    server = createServer();
    await new Promise<void>((r) => server?.listen(join(root, 'sock'), r));

    const dirs = await collect(root);
    expect(dirs.map((d) => d.relativePath)).toEqual(['Adir', 'zdir/inner', 'zdir', '']);
    const top = dirs[3];
    expect(top?.skipped).toEqual(['sock']);
    // Directories first, then by UTF-8 bytes: U+FF5E before U+1F600 though UTF-16 orders them the other way.
    expect(top?.entries.map((e) => e.name)).toEqual([
      'Adir',
      'zdir',
      'B',
      'a',
      'a.txt',
      'b',
      'link',
      'z',
      'é',
      '\uff5e',
      '😀',
    ]);
    const byName = new Map(top?.entries.map((e) => [e.name, e]));
    expect(byName.get('b')?.mode).toBe(0o4750);
    expect(byName.get('a')?.mtimeNs).toBe((await lstat(join(root, 'a'), { bigint: true })).mtimeNs);
    expect(byName.get('a')?.size).toBe(1);
    expect(byName.get('link')).toMatchObject({ type: 'symlink', linkTarget: '/nowhere' });
    expect(byName.get('zdir')?.type).toBe('directory');
    expect(top?.self.type).toBe('directory');
  });

  it('names a missing root and an unreadable directory', async () => {
    const missing: unknown = await collect(join(base, 'missing')).catch((e: unknown) => e);
    expect((missing as LifeboatError).code).toBe('NOT_FOUND');
    const file = join(base, 'file');
    await writeFile(file, 'x');
    const notDir: unknown = await collect(file).catch((e: unknown) => e);
    expect((notDir as LifeboatError).code).toBe('USAGE');
  });
});

describe('openLocalFileReader', () => {
  it('reads a file whole across the switch from synchronous to asynchronous reads', async () => {
    const data = randomBytes(SYNC_READ_BYTES + 300_000);
    await writeFile(join(base, 'f'), data);
    const file = openLocalFileReader(join(base, 'f'));
    const out = Buffer.alloc(data.length + 10);
    // A read that starts before the switch and ends after it gives all it asked for.
    const first = await file.read(out, 0, SYNC_READ_BYTES - 1000);
    const across = await file.read(out, first, 200_000);
    expect([first, across]).toEqual([SYNC_READ_BYTES - 1000, 200_000]);
    let at = first + across;
    for (;;) {
      const n = await file.read(out, at, Math.min(64 * 1024, out.length - at));
      if (n === 0) break;
      at += n;
    }
    file.close();
    file.close();
    expect(out.subarray(0, at).equals(data)).toBe(true);
  });

  it('refuses a symlink and a missing file with NOT_FOUND naming the path', async () => {
    await writeFile(join(base, 'f'), 'data');
    await symlink(join(base, 'f'), join(base, 'l'));
    for (const name of ['l', 'missing']) {
      const err: unknown = (() => {
        try {
          return openLocalFileReader(join(base, name));
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(LifeboatError);
      expect((err as LifeboatError).code).toBe('NOT_FOUND');
      expect((err as LifeboatError).message).toContain(join(base, name));
    }
  });
});

describe('modes and order helpers', () => {
  it('converts between POSIX and kopia (Go os.FileMode) special bits', () => {
    expect(kopiaModeFromPosix(0o4755)).toBe((1 << 23) | 0o755);
    expect(kopiaModeFromPosix(0o3777)).toBe((1 << 22) | (1 << 20) | 0o777);
    for (const mode of [0, 0o644, 0o4755, 0o2750, 0o1777, 0o7777])
      expect(posixModeFromKopia(kopiaModeFromPosix(mode))).toBe(mode);
  });

  it('orders names as UTF-8 bytes', () => {
    const names = ['😀', '\uff5e', 'é', 'z', 'a', 'B', '', 'ab', 'a\u0000'];
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareUtf8)).toEqual(byBytes);
  });
});
