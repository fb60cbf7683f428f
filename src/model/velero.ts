import * as z from 'zod';
import { storedHooksSchema } from './backup-hooks.ts';
import { dictionarySchema } from './dictionary-schema.ts';

/**
 * Velero's velero.io/v1 shapes as lifeboat reads and writes them (spec/velero-format.md §1.5, §3).
 * Readers are lenient (unknown fields kept); writers build objects in Go declaration order so the
 * JSON matches Velero's byte for byte (see gojson/go-json.ts).
 */

export const BACKUP_FORMAT_VERSION = '1.1.0';
export const VELERO_API_VERSION = 'velero.io/v1';

export const BackupPhases = [
  'New',
  'Queued',
  'ReadyToStart',
  'FailedValidation',
  'InProgress',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
  'Finalizing',
  'FinalizingPartiallyFailed',
  'Completed',
  'PartiallyFailed',
  'Failed',
  'Deleting',
] as const;
export type BackupPhase = (typeof BackupPhases)[number];

/**
 * The schemas that read velero-backup.json, built on first use: a command that only writes backups
 * never builds them (zod schemas cost start-up time to construct).
 */
function buildSchemas() {
  const LabelSelectorSchema = z
    .object({
      matchLabels: dictionarySchema(z.string()).optional(),
      matchExpressions: z
        .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
        .optional(),
    })
    .loose();

  const BackupSpecSchema = z
    .object({
      metadata: z
        .object({ labels: dictionarySchema(z.string()).optional() })
        .loose()
        .optional(),
      includedNamespaces: z.array(z.string()).optional(),
      excludedNamespaces: z.array(z.string()).optional(),
      includedResources: z.array(z.string()).optional(),
      excludedResources: z.array(z.string()).optional(),
      includedClusterScopedResources: z.array(z.string()).optional(),
      excludedClusterScopedResources: z.array(z.string()).optional(),
      includedNamespaceScopedResources: z.array(z.string()).optional(),
      excludedNamespaceScopedResources: z.array(z.string()).optional(),
      labelSelector: LabelSelectorSchema.optional(),
      orLabelSelectors: z.array(LabelSelectorSchema).optional(),
      snapshotVolumes: z.boolean().optional(),
      ttl: z.string().optional(),
      includeClusterResources: z.boolean().nullable().optional(),
      hooks: storedHooksSchema(),
      storageLocation: z.string().optional(),
    })
    .loose();

  const BackupStatusSchema = z
    .object({
      version: z.number().optional(),
      formatVersion: z.string().optional(),
      expiration: z.string().optional(),
      phase: z.string().optional(),
      validationErrors: z.array(z.string()).optional(),
      startTimestamp: z.string().optional(),
      completionTimestamp: z.string().optional(),
      failureReason: z.string().optional(),
      warnings: z.number().optional(),
      errors: z.number().optional(),
      progress: z
        .object({ totalItems: z.number().optional(), itemsBackedUp: z.number().optional() })
        .loose()
        .optional(),
      hookStatus: z
        .object({ hooksAttempted: z.number().optional(), hooksFailed: z.number().optional() })
        .loose()
        .optional(),
    })
    .loose();

  const ObjectMetaSchema = z
    .object({
      name: z.string(),
      namespace: z.string().optional(),
      uid: z.string().optional(),
      creationTimestamp: z.string().optional(),
      labels: dictionarySchema(z.string()).optional(),
      annotations: dictionarySchema(z.string()).optional(),
    })
    .loose();

  const VeleroBackupSchema = z
    .object({
      kind: z.literal('Backup'),
      apiVersion: z.literal(VELERO_API_VERSION),
      metadata: ObjectMetaSchema,
      spec: BackupSpecSchema.default({}),
      status: BackupStatusSchema.default({}),
    })
    .loose();
  return { LabelSelectorSchema, BackupSpecSchema, BackupStatusSchema, VeleroBackupSchema };
}

type Schemas = ReturnType<typeof buildSchemas>;
let schemas: Schemas | undefined;

/** velero-backup.json: requires kind Backup and apiVersion velero.io/v1, as Velero's decoder does. */
export function veleroBackupSchema(): Schemas['VeleroBackupSchema'] {
  schemas ??= buildSchemas();
  return schemas.VeleroBackupSchema;
}

export type LabelSelector = z.infer<Schemas['LabelSelectorSchema']>;
export type BackupSpec = z.infer<Schemas['BackupSpecSchema']>;
export type BackupStatus = z.infer<Schemas['BackupStatusSchema']>;
export type VeleroBackup = z.infer<Schemas['VeleroBackupSchema']>;

/** results.Result: per-item messages, Velero's keys. */
export interface ResultMessages {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}
/** The <name>-results.gz and restore-<name>-results.gz file. */
export interface ResultsFile {
  errors: ResultMessages;
  warnings: ResultMessages;
}

/** <name>-resource-list.json.gz: "<groupVersion>/<Kind>" → sorted "ns/name" or "name". */
export type ResourceList = Record<string, string[]>;

/** Velero's annotations/labels on a Backup. */
export const VeleroLabels = {
  storageLocation: 'velero.io/storage-location',
  scheduleName: 'velero.io/schedule-name',
  backupName: 'velero.io/backup-name',
  restoreName: 'velero.io/restore-name',
  excludeFromBackup: 'velero.io/exclude-from-backup',
} as const;

/** Labels that leave an item out of backups and restores: velero.io/exclude-from-backup=true. */
export function excludedByLabel(labels: Readonly<Record<string, unknown>> | undefined): boolean {
  return labels?.[VeleroLabels.excludeFromBackup] === 'true';
}
export const VeleroAnnotations = {
  sourceGitVersion: 'velero.io/source-cluster-k8s-gitversion',
  sourceMajor: 'velero.io/source-cluster-k8s-major-version',
  sourceMinor: 'velero.io/source-cluster-k8s-minor-version',
  resourceTimeout: 'velero.io/resource-timeout',
} as const;

/** Velero's defaults for a Backup's spec and its server namespace. */
export const DEFAULT_BACKUP_TTL = '720h0m0s';
export const DEFAULT_CSI_SNAPSHOT_TIMEOUT = '10m0s';
export const DEFAULT_ITEM_OPERATION_TIMEOUT = '4h0m0s';
export const DEFAULT_RESOURCE_TIMEOUT = '10m0s';
export const DEFAULT_VOLUME_GROUP_SNAPSHOT_LABEL_KEY = 'velero.io/volume-group';
export const VELERO_NAMESPACE = 'velero';
