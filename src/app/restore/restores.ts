import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { LifeboatError } from '../../errors/index.ts';
import type { ResourceList, ResultsFile } from '../../model/index.ts';
import type { ResourceFilters } from '../../selection/index.ts';
import type { BackupStore } from '../../store/index.ts';
import type { BackupQuery } from '../backups/backups.ts';
import type { PodVolumeRestoreSummary } from '../pod-volumes/index.ts';
import { withLocation } from '../deps/locations-open.ts';

export type RestorePhase = 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed' | 'Interrupted';

/** What `restore create` asked for, as stored with the restore. */
export interface RestoreSpecRecord extends ResourceFilters {
  backupName: string;
  scheduleName?: string;
  namespaceMapping: Record<string, string>;
  storageClassMapping: Record<string, string>;
  existingResourcePolicy: 'none' | 'update';
  preserveNodePorts: boolean;
  restoreStatus: string[];
  parallelism: number;
}

/**
 * lifeboat's own record of a restore, `restores/<name>/restore-<name>.json` (Velero ignores extra
 * files in the folder): enough for `restore get/describe/verify` from the bucket alone.
 */
export interface RestoreRecord {
  apiVersion: 'lifeboat.io/v1alpha1';
  kind: 'RestoreRecord';
  name: string;
  spec: RestoreSpecRecord;
  phase: RestorePhase;
  startTimestamp: string;
  completionTimestamp?: string;
  failureReason?: string;
  targetServer: string;
  counts: { created: number; updated: number; skipped: number; failed: number };
  errors: number;
  warnings: number;
  /** The restore's UID: the argument of the restore-wait init containers it injected. */
  uid?: string;
  /** Each pod volume whose data the restore asked for, as it ended. */
  podVolumes?: PodVolumeRestoreSummary[];
}

/** The record of a restore; NOT_FOUND when the location has none. */
export async function readRestoreRecord(store: BackupStore, name: string): Promise<RestoreRecord> {
  let body: Readable;
  try {
    body = await store.getRestoreRecord(name);
  } catch (err) {
    if (err instanceof LifeboatError && err.code === 'NOT_FOUND') {
      throw new LifeboatError('NOT_FOUND', `restore "${name}" not found in this location`, {
        hint: 'lifeboat restore get lists the restores',
        cause: err,
      });
    }
    throw err;
  }
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as RestoreRecord;
  } catch (err) {
    throw new LifeboatError('CORRUPT', `the record of restore "${name}" is not valid JSON`, { cause: err });
  }
}

export interface RestoreSummary {
  name: string;
  backup: string;
  phase: string;
  created: number;
  errors: number;
  warnings: number;
  started: string;
  completed: string | undefined;
}

function summaryOf(name: string, r: RestoreRecord): RestoreSummary {
  return {
    name,
    backup: r.spec.backupName,
    phase: r.phase,
    created: r.counts.created,
    errors: r.errors,
    warnings: r.warnings,
    started: r.startTimestamp,
    completed: r.completionTimestamp,
  };
}

export async function listRestores(query: BackupQuery): Promise<RestoreSummary[]> {
  return withLocation(query, async (opened) => {
    const names = await opened.backupStore.listRestoreNames();
    const rows = await Promise.all(
      names.map((name) =>
        readRestoreRecord(opened.backupStore, name).then(
          (r) => summaryOf(name, r),
          // A restore made by Velero, or one being written.
          () => undefined,
        ),
      ),
    );
    return rows
      .filter((r): r is RestoreSummary => r !== undefined)
      .sort((a, b) => b.started.localeCompare(a.started));
  });
}

/** One restore's summary as listRestores gives it; undefined when the location has no record of it. */
export async function findRestore(query: BackupQuery, name: string): Promise<RestoreSummary | undefined> {
  return withLocation(query, (opened) =>
    readRestoreRecord(opened.backupStore, name).then(
      (r) => summaryOf(name, r),
      (err: unknown) => {
        if (err instanceof LifeboatError && err.code === 'NOT_FOUND') return undefined;
        throw err;
      },
    ),
  );
}

export interface RestoreDescription {
  record: RestoreRecord;
  results: ResultsFile | undefined;
  resourceList: ResourceList | undefined;
}

export async function describeRestore(query: BackupQuery, name: string): Promise<RestoreDescription> {
  return withLocation(query, async (opened) => {
    const store = opened.backupStore;
    const record = await readRestoreRecord(store, name);
    const [results, resourceList] = await Promise.all([
      store.getRestoreResults(name),
      store.getRestoreResourceList(name),
    ]);
    return { record, results, resourceList };
  });
}

export async function restoreLogs(
  query: BackupQuery,
  name: string,
  out: NodeJS.WritableStream,
): Promise<void> {
  return withLocation(query, async (opened) => {
    await readRestoreRecord(opened.backupStore, name);
    const body = await opened.backupStore.getRestoreLogs(name);
    await pipeline(body, createGunzip(), out, { end: false });
  });
}

/** Deletes the restore's files from the location (the restored objects stay in the cluster). */
export async function deleteRestore(query: BackupQuery, name: string): Promise<number> {
  return withLocation(query, async (opened) => {
    const deleted = await opened.backupStore.deleteRestore(name);
    if (deleted.length === 0) {
      throw new LifeboatError(
        'NOT_FOUND',
        `restore "${name}" does not exist in location "${opened.location.name}"`,
        {
          hint: 'lifeboat restore get lists the restores',
        },
      );
    }
    return deleted.length;
  });
}
