import { isLifeboatError, LifeboatError } from '../../errors/index.ts';
import { openRepository, verifySnapshot } from '../../volumedata/index.ts';
import { openRepoLocation, type RepoLocation } from './repo-location.ts';
import { namespacesOf, type RepoProgress, type RepoTarget, sourceText } from './repo.ts';

export interface VerifyProblem {
  path: string;
  contentId?: string | undefined;
  message: string;
}

/** One snapshot's verification: where it is, and every problem found (none: it verified). */
export interface SnapshotVerification {
  namespace: string;
  id: string;
  source: string;
  problems: VerifyProblem[];
}

export interface RepoVerifyRequest extends RepoTarget {
  snapshotId?: string | undefined;
  namespace?: string | undefined;
  readData: boolean;
  onProgress?: (p: RepoProgress & { snapshot: string }) => void;
}

/**
 * Verifies one snapshot (found in the namespace named, or in any) or every snapshot of the
 * namespace (or of every namespace): every content decrypts and hashes, and with `readData` all
 * file data is read back. A repository that cannot be opened is a problem of its namespace.
 */
export async function verifyRepoSnapshots(request: RepoVerifyRequest): Promise<SnapshotVerification[]> {
  const loc = await openRepoLocation(request.configPath, request.location, request.logger);
  try {
    const namespaces = await namespacesOf(loc, request.namespace);
    const results: SnapshotVerification[] = [];
    for (const ns of namespaces) results.push(...(await verifyNamespace(loc, ns, request)));
    if (request.snapshotId !== undefined && results.length === 0)
      throw new LifeboatError('NOT_FOUND', `no snapshot ${request.snapshotId} in the kopia repositories`, {
        hint: "list the snapshots with 'lifeboat repo snapshots'",
      });
    return results;
  } finally {
    await loc.close();
  }
}

async function verifyNamespace(
  loc: RepoLocation,
  namespace: string,
  request: RepoVerifyRequest,
): Promise<SnapshotVerification[]> {
  const signal = request.signal ? { signal: request.signal } : {};
  let repo;
  try {
    repo = await openRepository(loc.blobs(namespace), await loc.password(), signal);
  } catch (err) {
    if (!isLifeboatError(err) || err.code === 'INTERRUPTED') throw err;
    return [
      {
        namespace,
        id: '',
        source: '',
        problems: [{ path: '', message: err.hint ? `${err.message} (${err.hint})` : err.message }],
      },
    ];
  }
  let manifests;
  if (request.snapshotId === undefined) manifests = await repo.listSnapshots();
  else {
    try {
      manifests = [await repo.getSnapshot(request.snapshotId)];
    } catch (err) {
      if (isLifeboatError(err) && err.code === 'NOT_FOUND') return [];
      throw err;
    }
  }
  const results: SnapshotVerification[] = [];
  for (const m of manifests) {
    const onProgress = request.onProgress;
    const report = await verifySnapshot(repo, m.id, {
      readData: request.readData,
      ...signal,
      ...(onProgress
        ? {
            onProgress: (p: RepoProgress) =>
              onProgress({
                ...p,
                snapshot: m.id,
                totalFiles: m.stats.fileCount,
                ...(request.readData ? { totalBytes: m.stats.totalSize } : {}),
              }),
          }
        : {}),
    });
    results.push({
      namespace,
      id: m.id,
      source: sourceText(m.source),
      problems: report.errors.map((e) => ({
        path: e.path,
        contentId: e.contentId,
        message: e.message,
      })),
    });
  }
  return results;
}
