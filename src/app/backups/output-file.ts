import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LifeboatError } from '../../errors/index.ts';

const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Refuses an output path that exists (a file, a folder or a symlink, dangling or not) unless
 * `replace`: call it before a long download, so the operator hears it first.
 */
export async function checkOutputPath(file: string, replace: boolean): Promise<void> {
  if (replace) return;
  const existing = await lstat(file).catch((err: unknown) => {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing !== undefined) throw exists(file);
}

/**
 * Streams `body` into a new file at `file`, never following a symlink: the bytes go to a temp file
 * in the same folder, created exclusively (O_EXCL, O_NOFOLLOW, random name, mode 0600), which is
 * then hard-linked to `file` (failing if anything is there) or, with `replace`, renamed over it
 * (a symlink there is replaced, never written through). Returns the bytes written.
 */
export async function writeOutputFile(file: string, body: Readable, replace: boolean): Promise<number> {
  await checkOutputPath(file, replace);
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.partial`);
  const handle = await open(temp, NEW_FILE, 0o600);
  try {
    let bytes = 0;
    body.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(body, handle.createWriteStream({ flush: true }));
    if (replace) await rename(temp, file);
    else await linkNew(temp, file);
    return bytes;
  } finally {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
  }
}

async function linkNew(temp: string, file: string): Promise<void> {
  try {
    await link(temp, file);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'EEXIST') throw exists(file);
    // Filesystems without hard links: check, then rename (a narrow race, still no symlink followed).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    await checkOutputPath(file, false);
    await rename(temp, file);
  }
}

function exists(file: string): LifeboatError {
  return new LifeboatError('ALREADY_EXISTS', `${file} already exists`, {
    hint: 'choose another file with -o, or add --force to replace it',
    details: { file },
  });
}
