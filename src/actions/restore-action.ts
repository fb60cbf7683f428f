import type { KubeObject } from '../model/index.ts';
import type { ItemRef } from './backup-action.ts';

/** What a restore item action may know about the restore it runs in (pure data, no I/O). */
export interface RestoreActionContext {
  restoreName: string;
  backupName: string;
  /** Original namespace → target namespace. */
  namespaceMapping: ReadonlyMap<string, string>;
  /** Old StorageClass name → new name. */
  storageClassMapping: ReadonlyMap<string, string>;
  preserveNodePorts: boolean;
  /** Names of the ServiceAccounts the backup holds in an original namespace. */
  serviceAccountsIn(namespace: string): ReadonlySet<string>;
  /**
   * Pod volume data the restore brings back: the pod (as restored, namespace not yet mapped) with
   * the restore-wait init container for its volumes that have a pod volume backup, as a new object.
   * Absent when the restore brings back no pod volume data.
   */
  podVolumeRestore?: ((pod: KubeObject, fromBackup: KubeObject) => KubeObject) | undefined;
}

export interface RestoreActionResult {
  /** The item to create (possibly changed). */
  item: KubeObject;
  /** Set when the item must not be restored: why (Velero's SkipRestore). */
  skip?: string;
  /** Items restored with this one (Velero's additional items), read from the backup. */
  additionalItems?: ItemRef[];
}

/**
 * A restore item action (Velero's RestoreItemAction): runs on each item of the types it applies to,
 * after the metadata reset and before the namespace is set. Synchronous and pure.
 */
export interface RestoreItemAction {
  /** Registered name, e.g. "velero.io/pod". */
  name: string;
  /** Group-resources it applies to, e.g. ["pods"]. */
  appliesTo: readonly string[];
  /** `fromBackup` is the item as stored in the backup (read only). */
  execute(item: KubeObject, context: RestoreActionContext, fromBackup: KubeObject): RestoreActionResult;
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The record at `key` of `parent`, or undefined. */
export function child(parent: unknown, key: string): JsonRecord | undefined {
  if (!isRecord(parent)) return undefined;
  const value = parent[key];
  return isRecord(value) ? value : undefined;
}

/** The array at `key` of `parent` (records only), or []. */
export function records(parent: unknown, key: string): JsonRecord[] {
  if (!isRecord(parent)) return [];
  const value = parent[key];
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

export function str(parent: unknown, key: string): string | undefined {
  if (!isRecord(parent)) return undefined;
  const value = parent[key];
  return typeof value === 'string' ? value : undefined;
}
