import { lchown, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESTORE_MARKER_DIR } from '../model/index.ts';

/**
 * The done-file handshake between the node agent and the restore-wait init container
 * (spec/volume-data.md §1.7): the agent writes `<volume>/.velero/<restore uid>` when a volume's data
 * is in place; the helper waits until every volume under /restores has it, then removes `.velero`.
 */

/** A restore UID names a file: no separators, no dot names. */
export function checkRestoreUid(uid: string): boolean {
  return uid !== '' && uid !== '.' && uid !== '..' && uid.length <= 253 && !/[/\\\0]/.test(uid);
}

/**
 * Velero's writeCompletionMark: `rm -rf <dir>/.velero; mkdir <dir>/.velero; touch <dir>/.velero/<uid>`.
 * Given the user (and group) restore-wait runs as, `.velero` becomes theirs, so the helper can
 * remove it (it runs as uid 1000 by default, the agent as root), as far as the agent may
 * (CAP_CHOWN): otherwise it stays root's, and the next restore of the volume replaces it.
 */
export async function writeRestoreMarker(
  volumeDir: string,
  restoreUid: string,
  owner: { uid?: number; gid?: number } = {},
): Promise<void> {
  if (!checkRestoreUid(restoreUid)) throw new Error(`"${restoreUid}" is not a restore UID`);
  const dir = join(volumeDir, RESTORE_MARKER_DIR);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { mode: 0o755 });
  // Before the marker, which the helper may remove as soon as it sees it: removing a file takes
  // write permission on its directory only. -1 leaves an ID as it is.
  if (owner.uid !== undefined || owner.gid !== undefined)
    await lchown(dir, owner.uid ?? -1, owner.gid ?? -1).catch(() => undefined);
  await writeFile(join(dir, restoreUid), '');
}

/** The volume directories under restoresDir (the helper's /restores), sorted. */
export async function restoredVolumeDirs(restoresDir: string): Promise<string[]> {
  const entries = await readdir(restoresDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** The volumes under restoresDir still without their marker for this restore. */
export async function volumesAwaitingMarker(restoresDir: string, restoreUid: string): Promise<string[]> {
  const waiting: string[] = [];
  for (const name of await restoredVolumeDirs(restoresDir)) {
    const marker = join(restoresDir, name, RESTORE_MARKER_DIR, restoreUid);
    const found = await stat(marker).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!found) waiting.push(name);
  }
  return waiting;
}

/** A `.velero` left in place, and why; `denied` when it is not the remover's to remove (EACCES, EPERM). */
export interface MarkerLeft {
  path: string;
  reason: string;
  denied: boolean;
}

/** Removes `.velero` from every volume under restoresDir; returns those left in place. */
export async function removeRestoreMarkers(restoresDir: string): Promise<MarkerLeft[]> {
  const left: MarkerLeft[] = [];
  for (const name of await restoredVolumeDirs(restoresDir)) {
    const dir = join(restoresDir, name, RESTORE_MARKER_DIR);
    await rm(dir, { recursive: true, force: true }).catch((err: unknown) => {
      const code = (err as { code?: unknown }).code;
      left.push({
        path: dir,
        reason: err instanceof Error ? err.message : String(err),
        denied: code === 'EACCES' || code === 'EPERM',
      });
    });
  }
  return left;
}
