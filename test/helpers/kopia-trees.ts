// Directory trees for kopia read/restore tests: built with every kind of entry a volume holds,
// and compared entry by entry (type, mode, owner, size, contents, mtime, symlink target).
import { createHash, randomBytes } from 'node:crypto';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeShape {
  smallFiles: number;
  /** Size of the random file that splits into several chunks (0: none). */
  bigFileBytes: number;
  sparse: boolean;
}

/** Builds a tree of the given shape under dir; mtimes are set to distinct values (microsecond precision). */
export async function buildTree(dir: string, shape: TreeShape): Promise<void> {
  let t = 1_600_000_000;
  const stamp = async (path: string) => {
    t += 1;
    await utimes(path, t + 0.123456, t + 0.654321);
  };
  await mkdir(join(dir, 'small'), { recursive: true });
  for (let i = 0; i < shape.smallFiles; i++) {
    const p = join(dir, 'small', `f${i}.txt`);
    await writeFile(p, i % 7 === 0 ? '' : `file ${i} ${'x'.repeat(i % 300)}\n`, {
      mode: i % 2 ? 0o640 : 0o755,
    });
    await stamp(p);
  }
  await mkdir(join(dir, 'empty-dir'));
  await writeFile(join(dir, 'zero'), '');
  await writeFile(join(dir, 'ünïcødé – 日本語 😀.txt'), 'non-ascii\n');
  await writeFile(join(dir, 'n'.repeat(255)), 'long name\n');
  let deep = dir;
  for (let i = 0; i < 24; i++) deep = join(deep, `d${i}`);
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'bottom'), 'deep\n');
  if (shape.bigFileBytes > 0) await writeFile(join(dir, 'big.bin'), randomBytes(shape.bigFileBytes));
  if (shape.sparse) {
    const h = await open(join(dir, 'sparse.img'), 'w');
    await h.write(randomBytes(5000), 0, 5000, 1 << 20);
    await h.truncate(24 << 20);
    await h.write(Buffer.from('end'), 0, 3, (24 << 20) - 3);
    await h.close();
  }
  await symlink('/etc/hostname', join(dir, 'abs-link'));
  await symlink('small/f1.txt', join(dir, 'rel-link'));
  await symlink('does/not/exist', join(dir, 'dangling'));
  await symlink('loop-b', join(dir, 'loop-a'));
  await symlink('loop-a', join(dir, 'loop-b'));
  await symlink('self', join(dir, 'self'));
  for (const f of ['zero', 'n'.repeat(255), 'big.bin', 'sparse.img']) {
    await stamp(join(dir, f)).catch(() => undefined);
  }
  await stamp(join(dir, 'empty-dir'));
  await stamp(join(dir, 'small'));
}

export interface TreeRecord {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha?: string;
  target?: string;
  mtimeUs?: bigint;
}

/** Every entry of a tree by relative path ('' is the root), symlinks not followed. */
export async function describeTree(root: string): Promise<Map<string, TreeRecord>> {
  const out = new Map<string, TreeRecord>();
  const walk = async (rel: string): Promise<void> => {
    const path = rel === '' ? root : join(root, rel);
    const st = await lstat(path, { bigint: true });
    const base = { mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) };
    if (st.isSymbolicLink()) {
      out.set(rel, { type: 'symlink', ...base, size: 0, target: await readlink(path) });
    } else if (st.isDirectory()) {
      out.set(rel, { type: 'dir', ...base, size: 0, mtimeUs: st.mtimeNs / 1000n });
      for (const name of await readdir(path)) await walk(rel === '' ? name : join(rel, name));
    } else {
      const sha = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
      out.set(rel, { type: 'file', ...base, size: Number(st.size), sha, mtimeUs: st.mtimeNs / 1000n });
    }
  };
  await walk('');
  return out;
}

/** Allocated bytes of a file (a sparse one has fewer than its size). */
export async function allocatedBytes(path: string): Promise<number> {
  return (await lstat(path)).blocks * 512;
}
