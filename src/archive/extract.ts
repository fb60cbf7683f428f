import { constants } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ArchiveCatalog } from './catalog.ts';
import { corruptArchive, readBackupArchive, type ArchiveLimits, type SkippedEntries } from './reader.ts';

export interface ExtractResult {
  catalog: ArchiveCatalog;
  skipped: SkippedEntries;
  version: string | undefined;
  /** Regular files written. */
  files: number;
  bytes: number;
}

/**
 * Extracts the regular files of a backup tarball under destDir (created if missing): files 0644,
 * directories 0755, nothing written outside destDir, no symlink ever created or followed.
 */
export async function extractBackupArchive(
  input: Readable,
  destDir: string,
  limits?: ArchiveLimits,
): Promise<ExtractResult> {
  const root = resolve(destDir);
  await mkdir(root, { recursive: true, mode: 0o755 });
  const reader = readBackupArchive(input, limits);
  const catalog = new ArchiveCatalog();
  const dirs = new Set<string>();
  let files = 0;
  let bytes = 0;
  for await (const entry of reader) {
    const target = resolve(root, entry.path);
    if (!target.startsWith(root + sep))
      throw corruptArchive(`entry ${JSON.stringify(entry.path)} leaves the extraction directory`);
    const segments = entry.path.split('/');
    for (let i = 1; i < segments.length; i++)
      await ensureDir(root, segments.slice(0, i).join('/'), dirs, entry.path);
    await writeNoFollow(target, entry.data, entry.path);
    catalog.add(entry);
    files++;
    bytes += entry.size;
  }
  return { catalog, skipped: reader.skipped, version: reader.version, files, bytes };
}

async function ensureDir(root: string, dir: string, known: Set<string>, entryPath: string): Promise<void> {
  if (known.has(dir)) return;
  const full = join(root, dir);
  try {
    await mkdir(full, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // lstat, not stat: an existing symlink is not a directory we may write through.
    if (!(await lstat(full)).isDirectory()) {
      throw corruptArchive(
        `entry ${JSON.stringify(entryPath)} needs directory ${JSON.stringify(dir)}, which exists and is not a directory`,
      );
    }
  }
  known.add(dir);
}

async function writeNoFollow(target: string, data: Buffer, entryPath: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  let handle;
  try {
    handle = await open(target, flags, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EISDIR') {
      throw corruptArchive(
        `entry ${JSON.stringify(entryPath)} collides with a ${code === 'ELOOP' ? 'symlink' : 'directory'}`,
        err,
      );
    }
    throw err;
  }
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}
