import { LifeboatError, isLifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { nullObject } from '../../model/index.ts';
import {
  type CheckRestoredOptions,
  checkRestoredTree,
  type KopiaRepository,
  openRepository,
  type RestoredCheck,
  restoreSnapshot,
  type SnapshotRestoreStats,
  type SnapshotManifest,
  type SnapshotSource,
} from '../../volumedata/index.ts';
import { checkNamespace, openRepoLocation, type RepoLocation } from './repo-location.ts';

/** Where a repo command works: the config file, a location name (default location when absent). */
export interface RepoTarget {
  configPath: string | undefined;
  location: string | undefined;
  logger: Logger;
  signal?: AbortSignal | undefined;
}

/** One snapshot of a listing, flat for tables and scripts. */
export interface SnapshotRow {
  namespace: string;
  id: string;
  source: string;
  startTime: string;
  endTime: string;
  size: number;
  files: number;
  directories: number;
  description: string;
  incomplete?: string | undefined;
  tags: Record<string, string>;
}

/** kopia's way of writing a source: user@host:path. */
export function sourceText(source: SnapshotSource): string {
  return `${source.userName}@${source.host}:${source.path}`;
}

function isoOfNanos(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}

export function snapshotRow(namespace: string, m: SnapshotManifest): SnapshotRow {
  return {
    namespace,
    id: m.id,
    source: sourceText(m.source),
    startTime: isoOfNanos(m.startTime),
    endTime: isoOfNanos(m.endTime),
    size: m.stats.totalSize,
    files: m.stats.fileCount,
    directories: m.stats.dirCount,
    description: m.description,
    ...(m.incomplete ? { incomplete: m.incomplete } : {}),
    tags: Object.assign(nullObject<string>(), m.tags),
  };
}

export async function withLocation<T>(
  target: RepoTarget,
  work: (loc: RepoLocation) => Promise<T>,
): Promise<T> {
  const loc = await openRepoLocation(target.configPath, target.location, target.logger);
  try {
    return await work(loc);
  } finally {
    await loc.close();
  }
}

export async function openNamespace(
  loc: RepoLocation,
  namespace: string,
  signal: AbortSignal | undefined,
): Promise<KopiaRepository> {
  return openRepository(loc.blobs(namespace), await loc.password(), signal ? { signal } : {});
}

/** The namespaces a command covers: the one named (it must have a repository), or all of them. */
export async function namespacesOf(loc: RepoLocation, namespace: string | undefined): Promise<string[]> {
  const all = await loc.namespaces();
  if (namespace === undefined) return all;
  checkNamespace(namespace);
  if (!all.includes(namespace))
    throw new LifeboatError(
      'NOT_FOUND',
      `location "${loc.location.name}" has no kopia repository for namespace "${namespace}"`,
      {
        hint: all.length
          ? `namespaces with a repository: ${all.join(', ')}`
          : 'the location has no kopia repositories yet (kopia/<namespace>/)',
      },
    );
  return [namespace];
}

/** The snapshots of one namespace's repository, or of every namespace's, oldest first. */
export async function listRepoSnapshots(
  target: RepoTarget & { namespace?: string | undefined },
): Promise<SnapshotRow[]> {
  return withLocation(target, async (loc) => {
    const rows: SnapshotRow[] = [];
    for (const ns of await namespacesOf(loc, target.namespace)) {
      const repo = await openNamespace(loc, ns, target.signal);
      for (const m of await repo.listSnapshots()) rows.push(snapshotRow(ns, m));
    }
    return rows.sort((a, b) => a.startTime.localeCompare(b.startTime) || a.id.localeCompare(b.id));
  });
}

/** The namespace whose repository holds a snapshot (the one named, or found by searching all). */
async function findSnapshot(
  loc: RepoLocation,
  snapshotId: string,
  namespace: string | undefined,
  signal: AbortSignal | undefined,
): Promise<{ namespace: string; repo: KopiaRepository; manifest: SnapshotManifest }> {
  const namespaces = await namespacesOf(loc, namespace);
  for (const ns of namespaces) {
    const repo = await openNamespace(loc, ns, signal);
    try {
      return { namespace: ns, repo, manifest: await repo.getSnapshot(snapshotId) };
    } catch (err) {
      if (!isLifeboatError(err) || err.code !== 'NOT_FOUND') throw err;
    }
  }
  throw new LifeboatError(
    'NOT_FOUND',
    `no snapshot ${snapshotId} in ${namespace === undefined ? `the kopia repositories of location "${loc.location.name}"` : `namespace "${namespace}"`}`,
    { hint: "list the snapshots with 'lifeboat repo snapshots'" },
  );
}

export interface RepoProgress {
  files: number;
  bytes: number;
  uploadedBytes?: number;
  totalFiles?: number | undefined;
  totalBytes?: number | undefined;
}

export interface RepoRestoreRequest extends RepoTarget {
  snapshotId: string;
  targetDir: string;
  namespace?: string | undefined;
  overwrite?: boolean;
  /** Worker threads opening file contents (default 0: none). */
  workers?: number | 'auto';
  onProgress?: (p: RepoProgress) => void;
  /** Re-read what was written and check it against the snapshot (after `before`, when given). */
  check?: (CheckRestoredOptions & { before?: () => Promise<void> }) | undefined;
}

/**
 * Restores a snapshot into a directory; returns where it came from and what was written (and, when
 * asked, the directory re-read and re-hashed against the snapshot while the repository is open).
 */
export async function restoreRepoSnapshot(request: RepoRestoreRequest): Promise<{
  namespace: string;
  snapshot: SnapshotRow;
  stats: SnapshotRestoreStats;
  checked?: RestoredCheck;
}> {
  return withLocation(request, async (loc) => {
    const found = await findSnapshot(loc, request.snapshotId, request.namespace, request.signal);
    const stats = await restoreSnapshot(found.repo, found.manifest.id, request.targetDir, {
      overwrite: request.overwrite === true,
      ...(request.workers === undefined ? {} : { workers: request.workers }),
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    });
    const done = {
      namespace: found.namespace,
      snapshot: snapshotRow(found.namespace, found.manifest),
      stats,
    };
    const root = found.manifest.rootEntry;
    if (request.check === undefined || root === null) return done;
    await request.check.before?.();
    const checked = await checkRestoredTree(found.repo, root, request.targetDir, {
      ...request.check,
      ...(request.signal ? { signal: request.signal } : {}),
    }).catch((err: unknown): RestoredCheck => {
      // The data is written: a check that cannot read it says so instead of failing the restore.
      if (request.signal?.aborted === true) throw err;
      const reason = `could not be re-read: ${err instanceof Error ? err.message : String(err)}`;
      const none = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
      return { ...none, mismatches: [{ path: '.', reason }], mismatchCount: 1 };
    });
    return { ...done, checked };
  });
}
