// Helpers of kopia-write.test.ts: a tree's description to compare a source with its restore.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface Described {
  type: string;
  mode: number;
  size?: number;
  mtimeNs?: string;
  sha256?: string;
  target?: string;
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Every entry under dir by relative path: type, mode, mtime (ns) of files, size and SHA-256 of files, link targets. */
export async function describeTree(dir: string): Promise<Record<string, Described>> {
  const out: Record<string, Described> = Object.create(null) as Record<string, Described>;
  const visit = async (path: string, rel: string): Promise<void> => {
    const st = await lstat(path, { bigint: true });
    const mode = Number(st.mode & 0o7777n);
    if (st.isSymbolicLink()) {
      out[rel] = { type: 'symlink', mode: 0, target: await readlink(path) };
    } else if (st.isDirectory()) {
      // kopia restores a directory's mtime as its subtree's newest (the summary's maxTime): left out.
      if (rel !== '.') out[rel] = { type: 'dir', mode };
      for (const name of await readdir(path))
        await visit(join(path, name), rel === '.' ? name : `${rel}/${name}`);
    } else {
      out[rel] = {
        type: 'file',
        mode,
        size: Number(st.size),
        mtimeNs: st.mtimeNs.toString(),
        sha256: await sha256(path),
      };
    }
  };
  await visit(dir, '.');
  return out;
}
