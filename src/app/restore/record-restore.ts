import { gzipSync } from 'node:zlib';
import { LifeboatError } from '../../errors/index.ts';
import { goEncodeLine } from '../../gojson/index.ts';
import type { RestoreResults } from '../../restore/index.ts';
import type { BackupStore } from '../../store/index.ts';
import {
  readRestoreRecord,
  type RestorePhase,
  type RestoreRecord,
  type RestoreSpecRecord,
} from './restores.ts';

/** The record of a restore that has started: InProgress, nothing counted yet. */
export function startedRecord(
  name: string,
  spec: RestoreSpecRecord,
  targetServer: string,
  started: Date,
): RestoreRecord {
  return {
    apiVersion: 'lifeboat.io/v1alpha1',
    kind: 'RestoreRecord',
    name,
    spec,
    phase: 'InProgress',
    startTimestamp: started.toISOString(),
    targetServer,
    counts: { created: 0, updated: 0, skipped: 0, failed: 0 },
    errors: 0,
    warnings: 0,
  };
}

/** The record of a finished (or interrupted) restore, from its results. */
export function finishedRecord(
  started: RestoreRecord,
  results: RestoreResults,
  interrupted: boolean,
  completed: Date,
): RestoreRecord {
  const phase: RestorePhase = interrupted
    ? 'Interrupted'
    : results.errorCount > 0
      ? 'PartiallyFailed'
      : 'Completed';
  return {
    ...started,
    phase,
    completionTimestamp: completed.toISOString(),
    counts: results.counts,
    errors: results.errorCount,
    warnings: results.warningCount,
  };
}

/**
 * Stores what Velero keeps of a restore under restores/<name>/ — logs, results, resource list, item
 * operations, volume info (Velero's entries of the pod volumes restored) — then lifeboat's record.
 */
export async function storeResults(
  store: BackupStore,
  results: RestoreResults,
  logs: Buffer,
  record: RestoreRecord,
  volumeInfo: readonly unknown[] = [],
): Promise<void> {
  const gz = (value: unknown) => gzipSync(goEncodeLine(value));
  // The files at once (each its own object); the record last, once every file it speaks of is there.
  const puts = await Promise.allSettled([
    store.putRestoreFile(record.name, 'logs', logs),
    store.putRestoreFile(record.name, 'results', gz(results.toFile())),
    store.putRestoreFile(record.name, 'resourceList', gz(results.resourceList())),
    store.putRestoreFile(record.name, 'itemOperations', gz([])),
    store.putRestoreFile(record.name, 'volumeInfo', gz(volumeInfo)),
  ]);
  for (const put of puts) if (put.status === 'rejected') throw put.reason;
  await putRecord(store, record);
}

export async function putRecord(store: BackupStore, record: RestoreRecord): Promise<void> {
  await store.putRestoreRecord(record.name, record);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A name is reused only to finish an interrupted restore. Returns the UID that restore recorded (its
 * pods' restore-wait containers wait for it, so the run that finishes it keeps it), if any.
 */
export async function checkName(store: BackupStore, name: string): Promise<string | undefined> {
  if (!(await store.listRestoreNames()).includes(name)) return undefined;
  const record = await readRestoreRecord(store, name).catch(() => undefined);
  if (record?.phase === 'Interrupted' || record?.phase === 'InProgress') {
    return typeof record.uid === 'string' && UUID.test(record.uid) ? record.uid : undefined;
  }
  throw new LifeboatError('ALREADY_EXISTS', `restore "${name}" already exists in this location`, {
    hint: 'choose another name (or leave it out for <backup>-<timestamp>)',
  });
}
