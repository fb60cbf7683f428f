import {
  formatGoDurationNs,
  goMarshalIndent,
  goTime,
  parseDurationNs,
  parseSignedDurationNs,
  sortedMap,
} from '../gojson/index.ts';
import {
  BACKUP_FORMAT_VERSION,
  DEFAULT_BACKUP_TTL,
  DEFAULT_CSI_SNAPSHOT_TIMEOUT,
  DEFAULT_ITEM_OPERATION_TIMEOUT,
  DEFAULT_RESOURCE_TIMEOUT,
  DEFAULT_VOLUME_GROUP_SNAPSHOT_LABEL_KEY,
  getValidLabelValue,
  LifeboatLabels,
  nullObject,
  VELERO_API_VERSION,
  VELERO_NAMESPACE,
  VeleroAnnotations,
  VeleroLabels,
  type BackupHooksSpec,
  type BackupPhase,
  type ExecHookSpec,
  type LabelSelector,
} from '../model/index.ts';

/**
 * velero-backup.json exactly as Velero writes it (spec/velero-format.md §3): json.MarshalIndent of the
 * Backup with struct fields in Go declaration order, Go omitempty rules, maps sorted, no trailing newline.
 */

/** BackupSpec fields lifeboat sets; absent optional ones are omitted like Go's omitempty. */
export interface BackupSpecInput {
  /** spec.metadata.labels (labels applied to backups created by a schedule). */
  metadataLabels?: Record<string, string>;
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  includedClusterScopedResources?: string[];
  excludedClusterScopedResources?: string[];
  includedNamespaceScopedResources?: string[];
  excludedNamespaceScopedResources?: string[];
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  snapshotVolumes?: boolean;
  /** Go duration text, normalised to Duration.String() (`720h` → `720h0m0s`). Default 720h0m0s. */
  ttl?: string;
  volumeGroupSnapshotLabelKey?: string;
  includeClusterResources?: boolean | null;
  /** spec.hooks: the resource hooks the backup ran (Velero's BackupHooks). */
  hooks?: BackupHooksSpec | undefined;
  volumeSnapshotLocations?: string[];
  defaultVolumesToFsBackup?: boolean;
  orderedResources?: Record<string, string>;
  csiSnapshotTimeout?: string;
  itemOperationTimeout?: string;
  resourcePolicy?: { apiGroup?: string; kind: string; name: string };
  snapshotMoveData?: boolean;
  datamover?: string;
  uploaderConfig?: { parallelFilesUpload?: number };
}

export interface VeleroBackupInput {
  name: string;
  /** Namespace of the Backup CR. Default `velero`. */
  namespace?: string;
  uid: string;
  resourceVersion?: string;
  generation?: number;
  /** Default: startTimestamp (or now). */
  creationTimestamp?: Date;
  storageLocation: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** The backed-up cluster's /version, recorded as velero.io/source-cluster-k8s-* annotations. */
  sourceVersion?: { gitVersion: string; major: string; minor: string };
  /**
   * The source cluster's identity (kube-system UID), recorded as the label and the annotation
   * lifeboat.io/cluster-uid (metadata only: Velero reads the file, and ignores both).
   */
  clusterUid?: string | undefined;
  /** Go duration text for velero.io/resource-timeout. Default 10m0s. */
  resourceTimeout?: string;
  spec: BackupSpecInput;
  phase: BackupPhase;
  queuePosition?: number;
  validationErrors?: string[];
  startTimestamp?: Date;
  completionTimestamp?: Date;
  /** Default: startTimestamp + ttl. */
  expiration?: Date;
  failureReason?: string;
  warnings?: number;
  errors?: number;
  totalItems?: number;
  itemsBackedUp?: number;
  volumeSnapshotsAttempted?: number;
  volumeSnapshotsCompleted?: number;
  csiVolumeSnapshotsAttempted?: number;
  csiVolumeSnapshotsCompleted?: number;
  backupItemOperationsAttempted?: number;
  backupItemOperationsCompleted?: number;
  backupItemOperationsFailed?: number;
  hooksAttempted?: number;
  hooksFailed?: number;
}

export function buildVeleroBackupJson(input: VeleroBackupInput): string {
  const ttl = normaliseDuration(input.spec.ttl ?? DEFAULT_BACKUP_TTL, 'ttl');
  const start = input.startTimestamp;
  const expiration =
    input.expiration ??
    (start ? new Date(start.getTime() + Number(parseDurationNs(ttl) / 1_000_000n)) : undefined);
  const backup = {
    kind: 'Backup',
    apiVersion: VELERO_API_VERSION,
    metadata: buildMetadata(input),
    spec: buildSpec(input.spec, ttl, input.storageLocation),
    status: {
      version: 1,
      formatVersion: BACKUP_FORMAT_VERSION,
      expiration: goTime(expiration),
      phase: input.phase,
      queuePosition: int(input.queuePosition),
      validationErrors: list(input.validationErrors),
      startTimestamp: goTime(start),
      completionTimestamp: goTime(input.completionTimestamp),
      volumeSnapshotsAttempted: int(input.volumeSnapshotsAttempted),
      volumeSnapshotsCompleted: int(input.volumeSnapshotsCompleted),
      failureReason: str(input.failureReason),
      warnings: int(input.warnings),
      errors: int(input.errors),
      progress:
        input.totalItems === undefined && input.itemsBackedUp === undefined
          ? undefined
          : { totalItems: int(input.totalItems), itemsBackedUp: int(input.itemsBackedUp) },
      csiVolumeSnapshotsAttempted: int(input.csiVolumeSnapshotsAttempted),
      csiVolumeSnapshotsCompleted: int(input.csiVolumeSnapshotsCompleted),
      backupItemOperationsAttempted: int(input.backupItemOperationsAttempted),
      backupItemOperationsCompleted: int(input.backupItemOperationsCompleted),
      backupItemOperationsFailed: int(input.backupItemOperationsFailed),
      hookStatus: { hooksAttempted: int(input.hooksAttempted), hooksFailed: int(input.hooksFailed) },
    },
  };
  return goMarshalIndent(backup);
}

function buildMetadata(input: VeleroBackupInput): Record<string, unknown> {
  const labels = nullObject(input.labels);
  labels[VeleroLabels.storageLocation] = getValidLabelValue(input.storageLocation);
  const annotations = nullObject(input.annotations);
  if (input.clusterUid !== undefined) {
    labels[LifeboatLabels.clusterUid] = getValidLabelValue(input.clusterUid);
    annotations[LifeboatLabels.clusterUid] = input.clusterUid;
  }
  if (input.sourceVersion) {
    annotations[VeleroAnnotations.sourceGitVersion] = input.sourceVersion.gitVersion;
    annotations[VeleroAnnotations.sourceMajor] = input.sourceVersion.major;
    annotations[VeleroAnnotations.sourceMinor] = input.sourceVersion.minor;
  }
  annotations[VeleroAnnotations.resourceTimeout] = normaliseDuration(
    input.resourceTimeout ?? DEFAULT_RESOURCE_TIMEOUT,
    'resource timeout',
  );
  return {
    name: input.name,
    namespace: input.namespace ?? VELERO_NAMESPACE,
    uid: str(input.uid),
    resourceVersion: str(input.resourceVersion),
    generation: int(input.generation),
    creationTimestamp: goTime(input.creationTimestamp ?? input.startTimestamp ?? new Date()),
    labels: sortedMap(labels),
    annotations: sortedMap(annotations),
  };
}

function buildSpec(spec: BackupSpecInput, ttl: string, storageLocation: string): Record<string, unknown> {
  const labels =
    spec.metadataLabels && Object.keys(spec.metadataLabels).length > 0 ? spec.metadataLabels : undefined;
  return {
    metadata: { labels: labels && sortedMap(labels) },
    includedNamespaces: list(spec.includedNamespaces),
    excludedNamespaces: list(spec.excludedNamespaces),
    includedResources: list(spec.includedResources),
    excludedResources: list(spec.excludedResources),
    includedClusterScopedResources: list(spec.includedClusterScopedResources),
    excludedClusterScopedResources: list(spec.excludedClusterScopedResources),
    includedNamespaceScopedResources: list(spec.includedNamespaceScopedResources),
    excludedNamespaceScopedResources: list(spec.excludedNamespaceScopedResources),
    labelSelector: spec.labelSelector && labelSelector(spec.labelSelector),
    orLabelSelectors: list(spec.orLabelSelectors?.map(labelSelector)),
    snapshotVolumes: spec.snapshotVolumes,
    ttl,
    volumeGroupSnapshotLabelKey: str(
      spec.volumeGroupSnapshotLabelKey ?? DEFAULT_VOLUME_GROUP_SNAPSHOT_LABEL_KEY,
    ),
    includeClusterResources: spec.includeClusterResources ?? undefined,
    hooks: hooksJson(spec.hooks),
    storageLocation: str(storageLocation),
    volumeSnapshotLocations: list(spec.volumeSnapshotLocations),
    defaultVolumesToFsBackup: spec.defaultVolumesToFsBackup ?? false,
    orderedResources:
      spec.orderedResources && Object.keys(spec.orderedResources).length > 0
        ? sortedMap(spec.orderedResources)
        : undefined,
    csiSnapshotTimeout: normaliseDuration(
      spec.csiSnapshotTimeout ?? DEFAULT_CSI_SNAPSHOT_TIMEOUT,
      'CSI snapshot timeout',
    ),
    itemOperationTimeout: normaliseDuration(
      spec.itemOperationTimeout ?? DEFAULT_ITEM_OPERATION_TIMEOUT,
      'item operation timeout',
    ),
    // core/v1 TypedLocalObjectReference: apiGroup is a *string without omitempty, so nil prints null.
    resourcePolicy: spec.resourcePolicy && {
      apiGroup: spec.resourcePolicy.apiGroup ?? null,
      kind: spec.resourcePolicy.kind,
      name: spec.resourcePolicy.name,
    },
    snapshotMoveData: spec.snapshotMoveData ?? false,
    datamover: str(spec.datamover),
    uploaderConfig: spec.uploaderConfig && {
      parallelFilesUpload: int(spec.uploaderConfig.parallelFilesUpload),
    },
  };
}

/**
 * BackupHooks in Go declaration order: `name` always (no omitempty), the lists and the selector only
 * when set, `exec` always (a pointer without omitempty), and `timeout` always: metav1.Duration is a
 * struct, which omitempty never leaves out, so an absent timeout is written "0s" as Velero writes it.
 */
function hooksJson(hooks: BackupHooksSpec | undefined): Record<string, unknown> {
  const exec = (e: ExecHookSpec) => ({
    container: str(e.container),
    command: e.command,
    onError: str(e.onError),
    timeout: formatGoDurationNs(
      e.timeout === undefined ? 0n : parseSignedDurationNs(e.timeout, 'hook timeout'),
    ),
  });
  return {
    resources: list(
      hooks?.resources?.map((r) => ({
        name: r.name,
        includedNamespaces: list(r.includedNamespaces),
        excludedNamespaces: list(r.excludedNamespaces),
        includedResources: list(r.includedResources),
        excludedResources: list(r.excludedResources),
        labelSelector: r.labelSelector && labelSelector(r.labelSelector),
        pre: list(r.pre?.map((h) => ({ exec: exec(h.exec) }))),
        post: list(r.post?.map((h) => ({ exec: exec(h.exec) }))),
      })),
    ),
  };
}

/** metav1.LabelSelector: matchLabels (sorted map), matchExpressions [{key, operator, values}]. */
function labelSelector(selector: LabelSelector): Record<string, unknown> {
  const matchLabels =
    selector.matchLabels && Object.keys(selector.matchLabels).length > 0 ? selector.matchLabels : undefined;
  return {
    matchLabels: matchLabels && sortedMap(matchLabels),
    matchExpressions: list(
      selector.matchExpressions?.map((e) => ({ key: e.key, operator: e.operator, values: list(e.values) })),
    ),
  };
}

/**
 * The auto-exclusions a v1.17+ Velero server adds to every backup spec (prepareBackupRequest):
 * CSI volumesnapshots/volumesnapshotcontents go to excludedResources with the old filters
 * (includedResources/excludedResources/includeClusterResources set), else to the scoped lists.
 */
export function withVeleroAutoExclusions(spec: BackupSpecInput): BackupSpecInput {
  const vs = 'volumesnapshots.snapshot.storage.k8s.io';
  const vsc = 'volumesnapshotcontents.snapshot.storage.k8s.io';
  const old =
    (spec.includeClusterResources !== undefined && spec.includeClusterResources !== null) ||
    (spec.includedResources?.length ?? 0) > 0 ||
    (spec.excludedResources?.length ?? 0) > 0;
  if (old) {
    const [included, excluded] = addExclusions(spec.includedResources, spec.excludedResources, [vs, vsc]);
    return { ...spec, includedResources: included, excludedResources: excluded };
  }
  const [inCluster, exCluster] = addExclusions(
    spec.includedClusterScopedResources,
    spec.excludedClusterScopedResources,
    [vsc],
  );
  const [inNs, exNs] = addExclusions(
    spec.includedNamespaceScopedResources,
    spec.excludedNamespaceScopedResources,
    [vs],
  );
  return {
    ...spec,
    includedClusterScopedResources: inCluster,
    excludedClusterScopedResources: exCluster,
    includedNamespaceScopedResources: inNs,
    excludedNamespaceScopedResources: exNs,
  };
}

/** modifyResourceIncludeExclude: append missing exclusions, drop included entries that are excluded. */
function addExclusions(
  include: string[] | undefined,
  exclude: string[] | undefined,
  added: string[],
): [string[] | undefined, string[]] {
  const excluded = [...(exclude ?? [])];
  for (const entry of added) if (!excluded.includes(entry)) excluded.push(entry);
  return [include?.filter((entry) => !excluded.includes(entry)), excluded];
}

function normaliseDuration(text: string, what: string): string {
  return formatGoDurationNs(parseDurationNs(text, what));
}

/** omitempty for int: zero or absent is left out. */
function int(n: number | undefined): number | undefined {
  return n === undefined || n === 0 ? undefined : n;
}

function str(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

function list<T>(items: T[] | undefined): T[] | undefined {
  return items === undefined || items.length === 0 ? undefined : items;
}
