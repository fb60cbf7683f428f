import { getValidLabelValue, type KubeObject, nullObject, VeleroLabels } from '../../model/index.ts';

/** Metadata fields Velero's resetMetadata deletes (spec/velero-format.md §5.5 step 4, §10.8). */
export const RESET_METADATA_FIELDS: readonly string[] = [
  'generateName',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
];

/**
 * A deep copy of decoded JSON; leaf objects that are not plain (exact int64 numbers) are shared.
 * The copied objects have a null prototype: a `__proto__` key stays a key (JSON.parse makes it an
 * own property; so does the copy) and `constructor` is only ever a key the object has.
 */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => cloneJson(v)) as T;
  if (typeof value === 'object' && value !== null && isPlainRecord(value)) {
    const out = nullObject<unknown>();
    for (const [k, v] of Object.entries(value)) out[k] = cloneJson(v);
    return out as T;
  }
  return value;
}

function isPlainRecord(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Velero's resetMetadataAndStatus: drops the metadata the source cluster owned and the whole
 * status; keeps name, namespace, labels, annotations, finalizers, managedFields and anything else.
 * Changes the object in place and returns the status it had.
 */
export function resetMetadataAndStatus(object: KubeObject): unknown {
  for (const field of RESET_METADATA_FIELDS) delete object.metadata[field];
  const status = object['status'];
  delete object['status'];
  return status;
}

/** Adds velero.io/backup-name and velero.io/restore-name (GetValidName values). */
export function addRestoreLabels(object: KubeObject, backupName: string, restoreName: string): void {
  const labels = nullObject(object.metadata.labels);
  labels[VeleroLabels.backupName] = getValidLabelValue(backupName);
  labels[VeleroLabels.restoreName] = getValidLabelValue(restoreName);
  object.metadata.labels = labels;
}

/**
 * The namespace object created before anything is restored into it: only the mapped name and the
 * backed-up labels, annotations and spec (Velero's getNamespace), no restore labels.
 */
export function namespaceFromBackup(targetName: string, fromBackup: KubeObject | undefined): KubeObject {
  const metadata: KubeObject['metadata'] = { name: targetName };
  if (fromBackup?.metadata.labels) metadata.labels = nullObject(fromBackup.metadata.labels);
  if (fromBackup?.metadata.annotations) metadata.annotations = nullObject(fromBackup.metadata.annotations);
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata };
  if (fromBackup?.['spec'] !== undefined) ns['spec'] = cloneJson(fromBackup['spec']);
  return ns;
}
