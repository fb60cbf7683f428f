import { LifeboatError } from '../../errors/index.ts';
import { parseItem, readBackupArchive } from '../../archive/index.ts';
import { nullObject, VeleroAnnotations, type VeleroBackup } from '../../model/index.ts';
import { backupFileNames, type BackupStore } from '../../store/index.ts';
import {
  addItem,
  type BackupContents,
  type ClusterProfile,
  CONTENT_RESOURCES,
  emptyContents,
  namespacesOf,
} from '../../profile/index.ts';
import { type LocationQuery, withLocation } from '../deps/locations-open.ts';
import { parseProfile } from './profile-file.ts';

/** A query of a location's backups (at a fleet cluster's prefix with `cluster`). */
export type BackupQueryInput = LocationQuery;

export interface BackupEvidence {
  name: string;
  location: string;
  backup: VeleroBackup;
  /** Undefined for backups made without a profile (Velero). */
  profile: ClusterProfile | undefined;
  contents: BackupContents;
}

/** A backup's stored profile (undefined when it has none), after checking the backup exists. */
export async function loadBackupProfile(
  query: BackupQueryInput,
  name: string,
): Promise<{ profile: ClusterProfile | undefined; location: string }> {
  return withLocation(query, async (opened) => {
    await opened.backupStore.getBackup(name);
    return { profile: await readStoredProfile(opened.backupStore, name), location: opened.location.name };
  });
}

async function readStoredProfile(store: BackupStore, name: string): Promise<ClusterProfile | undefined> {
  const value = await store.getClusterProfile(name);
  const file = backupFileNames(name).clusterProfile;
  return value === undefined ? undefined : parseProfile(value, `${file} of backup "${name}"`);
}

/**
 * Everything a standby check or runbook needs from a backup: velero-backup.json, the profile when
 * there is one, the resource list, and what the archive holds (PVCs, workloads' scheduling
 * constraints, CRDs, StorageClasses…), read in one streaming pass.
 */
export async function loadBackupEvidence(
  query: BackupQueryInput,
  name: string,
  options: { archive: boolean } = { archive: true },
): Promise<BackupEvidence> {
  return withLocation(query, async (opened) => {
    const store = opened.backupStore;
    const backup = await store.getBackup(name);
    const [profile, resourceList] = await Promise.all([
      readStoredProfile(store, name),
      store.getResourceList(name),
    ]);
    const contents = emptyContents(name);
    contents.resourceList = resourceList ?? nullObject();
    contents.namespaces = namespacesOf(contents.resourceList);
    const a = backup.metadata.annotations ?? {};
    const gitVersion = a[VeleroAnnotations.sourceGitVersion];
    if (gitVersion) {
      const minor = Number.parseInt(a[VeleroAnnotations.sourceMinor] ?? '', 10);
      contents.sourceVersion = { gitVersion, minor: Number.isNaN(minor) ? undefined : minor };
    }
    if (options.archive) await scanArchive(store, name, contents);
    return { name, location: opened.location.name, backup, profile, contents };
  });
}

async function scanArchive(store: BackupStore, name: string, contents: BackupContents): Promise<void> {
  let body;
  try {
    body = await store.getBackupContents(name);
  } catch (err) {
    if (err instanceof LifeboatError && err.code === 'NOT_FOUND')
      throw new LifeboatError('CORRUPT', `backup "${name}" has no ${backupFileNames(name).contents}`, {
        hint: 'the backup is incomplete: use another backup',
        cause: err,
      });
    throw err;
  }
  for await (const entry of readBackupArchive(body)) {
    const parsed = entry.parsed;
    if (parsed.kind !== 'item' || parsed.versionDir !== undefined) continue;
    if (!CONTENT_RESOURCES.has(parsed.groupResource)) continue;
    addItem(contents, parsed.groupResource, parseItem(entry.data, entry.path));
  }
}
