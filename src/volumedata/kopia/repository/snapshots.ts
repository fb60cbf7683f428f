// Manifests and snapshots: every manifest content (prefix `m`) of the index, merged by kopia's rule,
// then the entries labelled type=snapshot decoded and filtered by source.
import { mapBounded } from '../../../concurrency/index.ts';
import { LifeboatError } from '../../../errors/index.ts';
import type { IndexEntry } from '../index/index-entry.ts';
import {
  decodeManifestContent,
  MANIFEST_PREFIX,
  type ManifestEntry,
  mergeManifestEntries,
} from '../object/manifest.ts';
import {
  decodeSnapshotManifest,
  SNAPSHOT_MANIFEST_TYPE,
  type SnapshotManifest,
} from '../object/snapshot-manifest.ts';

/** Which snapshots to list: any field given must match the snapshot's source. */
export interface SnapshotFilter {
  host?: string;
  userName?: string;
  path?: string;
}

/** Every live manifest of the repository, by ID (kopia's committed manifest manager). */
export async function loadManifests(
  entries: Iterable<IndexEntry>,
  getContent: (contentId: string) => Promise<Buffer>,
  concurrency = 8,
): Promise<Map<string, ManifestEntry>> {
  const ids: string[] = [];
  for (const e of entries) if (!e.deleted && e.contentId.startsWith(MANIFEST_PREFIX)) ids.push(e.contentId);
  const contents = await mapBounded(ids, concurrency, async (id) =>
    decodeManifestContent(await getContent(id), id),
  );
  return mergeManifestEntries(contents);
}

function matches(m: SnapshotManifest, filter: SnapshotFilter): boolean {
  return (
    (filter.host === undefined || m.source.host === filter.host) &&
    (filter.userName === undefined || m.source.userName === filter.userName) &&
    (filter.path === undefined || m.source.path === filter.path)
  );
}

/** The snapshots among the manifests, oldest first (kopia's order), filtered by source. */
export function snapshotsOf(
  manifests: Map<string, ManifestEntry>,
  filter: SnapshotFilter = {},
): SnapshotManifest[] {
  const out: SnapshotManifest[] = [];
  for (const entry of manifests.values()) {
    if (entry.labels?.['type'] !== SNAPSHOT_MANIFEST_TYPE) continue;
    const m = decodeSnapshotManifest(entry);
    if (matches(m, filter)) out.push(m);
  }
  return out.sort((a, b) =>
    a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : a.id < b.id ? -1 : 1,
  );
}

/** The snapshot with this manifest ID; NOT_FOUND (with a hint to list) when there is none. */
export function snapshotById(
  manifests: Map<string, ManifestEntry>,
  id: string,
  where: string,
): SnapshotManifest {
  const entry = manifests.get(id);
  if (entry?.labels?.['type'] !== SNAPSHOT_MANIFEST_TYPE) {
    throw new LifeboatError(
      'NOT_FOUND',
      `there is no snapshot ${JSON.stringify(id.slice(0, 80))} in ${where}`,
      {
        hint: 'list the snapshots with `lifeboat repo snapshots` and use an ID from there',
        details: { snapshotId: id.slice(0, 80) },
      },
    );
  }
  return decodeSnapshotManifest(entry);
}
