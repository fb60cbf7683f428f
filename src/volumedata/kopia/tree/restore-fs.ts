// Filesystem steps of a restore that never follow a symlink: the target check, directory creation,
// temp files renamed into place, attributes set through file descriptors or l* calls.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  lchown,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  rename,
  symlink,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError } from '../../../errors/index.ts';
import { mtimeSeconds, type TreeEntry } from './tree-entry.ts';

/** What attributes a restore sets besides contents. */
export interface AttributePolicy {
  owners: boolean;
  permissions: boolean;
}

const newDirectoryMode = 0o700;
const newFileMode = 0o600;

function errno(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Makes sure the target is a directory the restore may write: created when missing, refused when it
 * is not a directory or, unless `overwrite`, when it holds anything.
 */
export async function prepareTarget(target: string, overwrite: boolean): Promise<void> {
  try {
    await mkdir(target, { recursive: true, mode: newDirectoryMode });
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw err;
  }
  const st = await lstat(target).catch(() => undefined);
  const isDir = st?.isDirectory() === true || (st?.isSymbolicLink() === true && (await isDirectory(target)));
  if (!isDir) {
    throw new LifeboatError('CONFLICT', `The restore target ${target} exists and is not a directory.`, {
      hint: 'Name a new or empty directory to restore into.',
    });
  }
  if (!overwrite && (await readdir(target)).length > 0) {
    throw new LifeboatError('CONFLICT', `The restore target ${target} is not empty.`, {
      hint: 'Name a new or empty directory, or allow overwriting what is there.',
    });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
    await handle.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the directory `name` in parent (a directory this restore made or checked). An existing
 * directory is kept; with `overwrite` anything else there (a symlink, a file) is removed first,
 * so a restore never writes through a symlink it finds.
 */
export async function makeDirectory(path: string, overwrite: boolean): Promise<void> {
  try {
    await mkdir(path, { mode: newDirectoryMode });
    return;
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw err;
  }
  const st = await lstat(path);
  if (st.isDirectory()) return;
  if (!overwrite) {
    throw new LifeboatError(
      'CONFLICT',
      `The restore cannot create directory ${path}: something else is there.`,
      {
        hint: 'Restore into an empty directory, or allow overwriting.',
      },
    );
  }
  await unlink(path);
  await mkdir(path, { mode: newDirectoryMode });
}

function tempName(): string {
  return `.lifeboat-restore-${randomBytes(8).toString('hex')}`;
}

/** A new file under a temporary name in directory, opened with O_EXCL|O_NOFOLLOW. */
export async function createTempFile(directory: string): Promise<{ path: string; handle: FileHandle }> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  for (;;) {
    const path = join(directory, tempName());
    try {
      return { path, handle: await open(path, flags, newFileMode) };
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
  }
}

/** A new symlink under a temporary name in directory. */
export async function createTempSymlink(directory: string, linkTarget: string): Promise<string> {
  for (;;) {
    const path = join(directory, tempName());
    try {
      await symlink(linkTarget, path);
      return path;
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
  }
}

/** Moves a finished temp file or symlink to its final name (replacing a file or symlink there). */
export async function commitTemp(tempPath: string, finalPath: string): Promise<void> {
  await rename(tempPath, finalPath);
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** chown (first: it clears setuid), chmod, then mtime, all through the open descriptor. */
export async function setHandleAttributes(
  handle: FileHandle,
  entry: TreeEntry,
  policy: AttributePolicy,
): Promise<void> {
  if (policy.owners && entry.uid !== undefined && entry.gid !== undefined) {
    await handle.chown(entry.uid, entry.gid).catch(ignoreUnlessRoot);
  }
  if (policy.permissions) await handle.chmod(entry.mode & 0o7777);
  const mtime = mtimeSeconds(entry);
  await handle.utimes(mtime, mtime);
}

/** A restored directory's attributes, set through a descriptor opened with O_NOFOLLOW. */
export async function setDirectoryAttributes(
  path: string,
  entry: TreeEntry,
  policy: AttributePolicy,
): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await setHandleAttributes(handle, entry, policy);
  } finally {
    await handle.close();
  }
}

/** A symlink's owner and mtime (its mode means nothing on Linux), on the link itself. */
export async function setSymlinkAttributes(
  path: string,
  entry: TreeEntry,
  policy: AttributePolicy,
): Promise<void> {
  if (policy.owners && entry.uid !== undefined && entry.gid !== undefined) {
    await lchown(path, entry.uid, entry.gid).catch(ignoreUnlessRoot);
  }
  // kopia sets a symlink's times as a timeval rounded up to the microsecond (unix.NsecToTimeval): so do we.
  const ns = entry.mtimeNs ?? BigInt(entry.mtime.getTime()) * 1_000_000n;
  const mtime = mtimeSeconds({ mtime: entry.mtime, mtimeNs: ((ns + 999n) / 1000n) * 1000n });
  await lutimes(path, mtime, mtime);
}

/** A failed chown is an error only for root; anyone else keeps their own ownership, as kopia's ignore-permission-errors does. */
function ignoreUnlessRoot(err: unknown): void {
  const code = errno(err);
  if ((code === 'EPERM' || code === 'EINVAL') && process.getuid?.() !== 0) return;
  throw err;
}
