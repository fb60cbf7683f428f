import {
  createSnapshot,
  initializeRepository,
  type KopiaRepository,
  readAheadWalk,
  type SnapshotSource,
} from '../../volumedata/index.ts';
import { checkNamespace, type RepoLocation } from './repo-location.ts';
import {
  openNamespace,
  type RepoProgress,
  type RepoTarget,
  type SnapshotRow,
  snapshotRow,
  withLocation,
} from './repo.ts';

export interface RepoSnapshotRequest extends RepoTarget {
  dir: string;
  namespace: string;
  source: SnapshotSource;
  tags: Record<string, string>;
  description: string;
  pins: string[];
  /** Worker threads hashing file chunks (default auto: one per idle core). */
  workers?: number | 'auto';
  onProgress?: (p: RepoProgress) => void;
}

const FORMAT_BLOB = 'kopia.repository';

async function hasRepository(loc: RepoLocation, namespace: string): Promise<boolean> {
  for await (const blob of loc.blobs(namespace).listBlobs(FORMAT_BLOB))
    if (blob.id === FORMAT_BLOB) return true;
  return false;
}

/**
 * Snapshots a directory into a namespace's repository, creating the repository (Velero's defaults)
 * when the namespace has none; the latest snapshot of the same source is the parent. The directory
 * is read from the start, while the repository opens (readAheadWalk); a missing one fails before a
 * repository is created or opened for it.
 */
export async function snapshotDirectory(
  request: RepoSnapshotRequest,
): Promise<{ snapshot: SnapshotRow; created: boolean; onWorkers: number }> {
  const namespace = checkNamespace(request.namespace);
  const walk = readAheadWalk(request.dir, { signal: request.signal });
  try {
    return await withLocation(request, async (loc) => {
      // The repository is opened (its key derivation, ~0.25 s of scrypt, on the thread pool) while
      // this thread learns whether it exists and checks the source; an open that finds none is
      // dropped, and the repository is created, then opened.
      const opening = openNamespace(loc, namespace, request.signal).then(
        (repo) => ({ repo }),
        (err: unknown) => ({ err }),
      );
      const password = await loc.password();
      const created = !(await hasRepository(loc, namespace));
      await walk.rootChecked();
      let repo: KopiaRepository;
      if (created) {
        request.logger.info({ namespace }, 'creating the kopia repository of the namespace');
        await opening;
        await initializeRepository(loc.blobs(namespace, { create: true }), password);
        repo = await openNamespace(loc, namespace, request.signal);
      } else {
        const opened = await opening;
        if ('err' in opened) throw opened.err;
        repo = opened.repo;
      }
      const manifest = await createSnapshot(repo, request.dir, {
        source: request.source,
        tags: request.tags,
        description: request.description,
        pin: request.pins,
        parent: 'latest',
        workers: request.workers ?? 'auto',
        walk,
        ...(request.signal ? { signal: request.signal } : {}),
        ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      });
      return { snapshot: snapshotRow(namespace, manifest), created, onWorkers: manifest.stats.onWorkers };
    });
  } finally {
    walk.stop();
  }
}
