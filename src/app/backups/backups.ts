import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { LifeboatError } from '../../errors/index.ts';
import { mapBounded } from '../../concurrency/index.ts';
import type { ResourceList, ResultsFile, VeleroBackup } from '../../model/index.ts';
import { type LocationQuery, withLocation } from '../deps/index.ts';
import { checkOutputPath, writeOutputFile } from './output-file.ts';
import { type PodVolumeRow, podVolumeRows } from './pod-volume-rows.ts';
import { backupClusterUid } from '../sync/sync.ts';

export interface BackupSummary {
  name: string;
  phase: string;
  errors: number;
  warnings: number;
  created: string | undefined;
  expires: string | undefined;
  location: string;
  selector: string;
  items: number | undefined;
  /** The source cluster's identity (kube-system UID), when the backup records one. */
  cluster?: string | undefined;
  /** Set when velero-backup.json cannot be read. */
  problem?: string;
}

/** A query of a location's backups (at a fleet cluster's prefix with `cluster`). */
export type BackupQuery = LocationQuery;

/** Every complete backup in the location (a folder without velero-backup.json is not listed). */
export async function listBackups(query: BackupQuery, name?: string): Promise<BackupSummary[]> {
  return withLocation(query, async (opened) => {
    const names = name === undefined ? await opened.backupStore.listBackupNames() : [name];
    const out = await mapBounded(names, 16, async (n): Promise<BackupSummary> => {
      try {
        return summarize(await opened.backupStore.getBackup(n), opened.location.name);
      } catch (err) {
        if (name !== undefined) throw err;
        return { ...emptySummary(n, opened.location.name), problem: (err as Error).message };
      }
    });
    return out.sort(
      (a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name),
    );
  });
}

function emptySummary(name: string, location: string): BackupSummary {
  return {
    name,
    phase: 'Unknown',
    errors: 0,
    warnings: 0,
    created: undefined,
    expires: undefined,
    location,
    selector: '',
    items: undefined,
  };
}

function summarize(backup: VeleroBackup, location: string): BackupSummary {
  const sel = backup.spec.labelSelector;
  const selector = sel
    ? [
        ...Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(sel.matchExpressions ?? []).map((e) => `${e.key} ${e.operator} (${(e.values ?? []).join(',')})`),
      ].join(',')
    : '';
  return {
    name: backup.metadata.name,
    phase: backup.status.phase ?? 'Unknown',
    errors: backup.status.errors ?? 0,
    warnings: backup.status.warnings ?? 0,
    created: backup.status.startTimestamp ?? backup.metadata.creationTimestamp,
    expires: backup.status.expiration,
    location: backup.spec.storageLocation ?? location,
    selector: selector || '<none>',
    items: backup.status.progress?.itemsBackedUp,
    cluster: backupClusterUid(backup),
  };
}

export interface BackupDescription {
  backup: VeleroBackup;
  resourceList: ResourceList | undefined;
  results: ResultsFile | undefined;
  objects: { key: string; size: number }[];
  /** The pod volumes the backup took (file-system backup), from -podvolumebackups.json.gz. */
  podVolumes: PodVolumeRow[];
}

export async function describeBackup(query: BackupQuery, name: string): Promise<BackupDescription> {
  return withLocation(query, async (opened) => {
    const store = opened.backupStore;
    const backup = await store.getBackup(name);
    const [resourceList, results, objects, podVolumes] = await Promise.all([
      store.getResourceList(name),
      store.getResults(name),
      store.listBackupObjects(name),
      store.getVolumeFile(name, 'podVolumeBackups'),
    ]);
    return {
      backup,
      resourceList,
      results,
      objects: objects.map((o) => ({ key: o.key, size: o.size })),
      podVolumes: podVolumeRows(podVolumes),
    };
  });
}

/** Streams the decompressed backup log to `out`. */
export async function backupLogs(
  query: BackupQuery,
  name: string,
  out: NodeJS.WritableStream,
): Promise<void> {
  return withLocation(query, async (opened) => {
    await opened.backupStore.getBackup(name);
    const body = await opened.backupStore.getBackupLogs(name);
    await pipeline(body, createGunzip(), out, { end: false });
  });
}

/**
 * Writes the backup's tarball to a new file (see writeOutputFile: never through a symlink); an
 * existing path is refused unless `replace`.
 */
export async function downloadBackup(
  query: BackupQuery,
  name: string,
  file: string,
  replace = false,
): Promise<number> {
  await checkOutputPath(file, replace);
  return withLocation(query, async (opened) => {
    await opened.backupStore.getBackup(name);
    const body = await opened.backupStore.getBackupContents(name);
    return await writeOutputFile(file, body, replace);
  });
}

/** Deletes every object of the backup; velero-backup.json first so it is never half-listed. */
export async function deleteBackup(query: BackupQuery, name: string): Promise<void> {
  return withLocation(query, async (opened) => {
    if (!(await opened.backupStore.backupExists(name))) {
      throw new LifeboatError(
        'NOT_FOUND',
        `backup "${name}" does not exist in location "${opened.location.name}"`,
        {
          hint: 'lifeboat backup get lists the backups',
        },
      );
    }
    await opened.backupStore.deleteBackup(name);
  });
}
