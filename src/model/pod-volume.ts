import * as z from 'zod';
import { dictionarySchema } from './dictionary-schema.ts';

/**
 * Pod volume work: Velero's PodVolumeBackup and PodVolumeRestore (velero.io/v1, spec/volume-data.md
 * §1.3, §1.7) and lifeboat's own coordination objects of the same shape.
 *
 * Coordination between a backup or restore and the node agents goes through the API server in
 * lifeboat's own group (`lifeboat.io/v1alpha1`), never Velero's: a Velero node agent installed in
 * the same cluster reconciles every velero.io PodVolumeBackup of its node, so it would race
 * lifeboat's agent for them, and lifeboat must work where Velero's CRDs are not installed. The
 * spec and status fields are Velero's, field for field, so the records a backup stores
 * (`<backup>-podvolumebackups.json.gz`) are the same objects with Velero's apiVersion.
 */

export const POD_VOLUME_GROUP = 'lifeboat.io';
export const POD_VOLUME_VERSION = 'v1alpha1';
export const POD_VOLUME_API_VERSION = `${POD_VOLUME_GROUP}/${POD_VOLUME_VERSION}`;
export const POD_VOLUME_BACKUP_KIND = 'PodVolumeBackup';
export const POD_VOLUME_RESTORE_KIND = 'PodVolumeRestore';
export const POD_VOLUME_BACKUP_RESOURCE = 'podvolumebackups';
export const POD_VOLUME_RESTORE_RESOURCE = 'podvolumerestores';
/** Where the coordination objects live unless configured otherwise (the namespace of deploy/). */
export const DEFAULT_LIFEBOAT_NAMESPACE = 'lifeboat';

/** Velero's phases (v1.17); lifeboat's agent uses New → InProgress → Completed | Failed (and Canceled). */
export const PodVolumePhases = [
  'New',
  'Accepted',
  'Prepared',
  'InProgress',
  'Canceling',
  'Canceled',
  'Completed',
  'Failed',
] as const;
export type PodVolumePhase = (typeof PodVolumePhases)[number];
export const isFinalPodVolumePhase = (phase: string | undefined): boolean =>
  phase === 'Completed' || phase === 'Failed' || phase === 'Canceled';

/** Velero's labels and annotations on the objects and on pods (spec/volume-data.md §1.2, §1.3, §1.7). */
export const PodVolumeLabels = {
  backupName: 'velero.io/backup-name',
  backupUid: 'velero.io/backup-uid',
  pvcUid: 'velero.io/pvc-uid',
  restoreName: 'velero.io/restore-name',
  restoreUid: 'velero.io/restore-uid',
  podUid: 'velero.io/pod-uid',
} as const;
export const PodVolumeAnnotations = {
  /** On a pod: the volumes to back up (opt-in), comma-separated. */
  backupVolumes: 'backup.velero.io/backup-volumes',
  /** On a pod: the volumes not to back up when every volume is backed up by default (opt-out). */
  backupVolumesExcludes: 'backup.velero.io/backup-volumes-excludes',
  /** On a PodVolumeBackup: the PVC's name, for a PVC-backed volume. */
  pvcName: 'velero.io/pvc-name',
} as const;
/** The init container Velero prepends to a restored pod, and the marker its data is awaited by. */
/**
 * What a node agent's re-read of a restored volume found (a PodVolumeRestore's `status.dataCheck`,
 * and each volume of a drill's report): entries re-hashed against the snapshot, and what differs.
 */
export const DataCheckSchema = z.object({
  files: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  directories: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  symlinks: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  bytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  mismatchCount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  mismatches: z.array(z.object({ path: z.string().max(4096), reason: z.string().max(4096) })).max(1000),
});
export type DataCheck = z.infer<typeof DataCheckSchema>;

export const RESTORE_WAIT_CONTAINER = 'restore-wait';
export const RESTORE_MARKER_DIR = '.velero';

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

export interface PodVolumeProgress {
  totalBytes?: number;
  bytesDone?: number;
}

export interface PodVolumeBackupSpec {
  node: string;
  pod: ObjectReference;
  volume: string;
  backupStorageLocation: string;
  /** Empty for kopia, as in Velero. */
  repoIdentifier: string;
  uploaderType: string;
  tags?: Record<string, string>;
  uploaderSettings?: Record<string, string>;
  cancel?: boolean;
}

export interface PodVolumeBackupStatus {
  phase?: PodVolumePhase;
  path?: string;
  snapshotID?: string;
  message?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  acceptedTimestamp?: string;
  progress?: PodVolumeProgress;
  incrementalBytes?: number;
}

export interface PodVolumeRestoreSpec {
  pod: ObjectReference;
  volume: string;
  backupStorageLocation: string;
  repoIdentifier: string;
  uploaderType: string;
  snapshotID: string;
  sourceNamespace: string;
  snapshotSize?: number;
  uploaderSettings?: Record<string, string>;
  cancel?: boolean;
}

export interface PodVolumeRestoreStatus {
  phase?: PodVolumePhase;
  message?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  acceptedTimestamp?: string;
  progress?: PodVolumeProgress;
  /** The node whose agent took the work (lifeboat sets it; Velero v1.17+ has it too). */
  node?: string;
}

export interface PodVolumeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
}

export interface PodVolumeBackup {
  apiVersion: string;
  kind: typeof POD_VOLUME_BACKUP_KIND;
  metadata: PodVolumeObjectMeta;
  spec: PodVolumeBackupSpec;
  status?: PodVolumeBackupStatus;
}

export interface PodVolumeRestore {
  apiVersion: string;
  kind: typeof POD_VOLUME_RESTORE_KIND;
  metadata: PodVolumeObjectMeta;
  spec: PodVolumeRestoreSpec;
  status?: PodVolumeRestoreStatus;
}

/**
 * Lenient readers (unknown fields kept, every field optional but the identity ones): the objects
 * come from a cluster or from a backup, both hostile until checked.
 */
function commonSchemas() {
  const reference = z
    .object({
      kind: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
      uid: z.string().optional(),
    })
    .loose();
  const progress = z.object({ totalBytes: z.number().optional(), bytesDone: z.number().optional() }).loose();
  const metadata = z
    .object({
      name: z.string().optional(),
      generateName: z.string().optional(),
      namespace: z.string().optional(),
      uid: z.string().optional(),
      resourceVersion: z.string().optional(),
      creationTimestamp: z.string().optional(),
      labels: dictionarySchema(z.string()).optional(),
      annotations: dictionarySchema(z.string()).optional(),
      ownerReferences: z.array(z.unknown()).optional(),
    })
    .loose();
  const phase = z.enum(PodVolumePhases).optional().catch(undefined);
  /** Go writes a nil *metav1.Time as null. */
  const time = z
    .string()
    .nullish()
    .transform((v) => v ?? undefined);
  return { reference, progress, metadata, phase, time };
}

function buildSchemas() {
  const common = commonSchemas();
  const { reference, progress, metadata, phase, time } = common;
  const backup = z
    .object({
      apiVersion: z.string(),
      kind: z.literal(POD_VOLUME_BACKUP_KIND),
      metadata,
      spec: z
        .object({
          node: z.string().default(''),
          pod: reference,
          volume: z.string(),
          backupStorageLocation: z.string().default(''),
          repoIdentifier: z.string().default(''),
          uploaderType: z.string().default(''),
          tags: dictionarySchema(z.string()).optional(),
          uploaderSettings: dictionarySchema(z.string()).optional(),
          cancel: z.boolean().optional(),
        })
        .loose(),
      status: z
        .object({
          phase,
          path: z.string().optional(),
          snapshotID: z.string().optional(),
          message: z.string().optional(),
          startTimestamp: time,
          completionTimestamp: time,
          acceptedTimestamp: time,
          progress: progress.optional(),
          incrementalBytes: z.number().optional(),
        })
        .loose()
        .optional(),
    })
    .loose();
  return { backup, restore: restoreSchema(common) };
}

function restoreSchema({ reference, progress, metadata, phase, time }: ReturnType<typeof commonSchemas>) {
  return z
    .object({
      apiVersion: z.string(),
      kind: z.literal(POD_VOLUME_RESTORE_KIND),
      metadata,
      spec: z
        .object({
          pod: reference,
          volume: z.string(),
          backupStorageLocation: z.string().default(''),
          repoIdentifier: z.string().default(''),
          uploaderType: z.string().default(''),
          snapshotID: z.string(),
          sourceNamespace: z.string().default(''),
          snapshotSize: z.number().optional(),
          uploaderSettings: dictionarySchema(z.string()).optional(),
          cancel: z.boolean().optional(),
        })
        .loose(),
      status: z
        .object({
          phase,
          message: z.string().optional(),
          startTimestamp: time,
          completionTimestamp: time,
          acceptedTimestamp: time,
          progress: progress.optional(),
          node: z.string().optional(),
        })
        .loose()
        .optional(),
    })
    .loose();
}

let schemas: ReturnType<typeof buildSchemas> | undefined;
const built = () => (schemas ??= buildSchemas());

/** Reads a PodVolumeBackup (lifeboat.io or velero.io) from a cluster or a backup; throws zod's error. */
export function parsePodVolumeBackup(value: unknown): PodVolumeBackup {
  return built().backup.parse(value);
}

/** Reads a PodVolumeRestore (lifeboat.io or velero.io); throws zod's error. */
export function parsePodVolumeRestore(value: unknown): PodVolumeRestore {
  return built().restore.parse(value);
}
