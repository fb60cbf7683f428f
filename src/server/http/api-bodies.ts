import * as z from 'zod';
import { BackupTemplateSchema, ClusterNameSchema, PatternListSchema } from '../../config/index.ts';
import { parseDuration } from '../../gojson/index.ts';
import { dictionarySchema } from '../../model/index.ts';

/** A Kubernetes object name: a backup's, a restore's. */
export const objectName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name (lower-case, digits, "-", ".")');
const duration = z.string().refine(
  (t) => {
    try {
      parseDuration(t);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a Go duration (e.g. 720h)' },
);

/** POST /api/v1/backups: run a schedule now ({schedule}), or an ad-hoc backup. */
export const BackupBody = z
  .object({
    schedule: z.string().min(1).optional(),
    /** A cluster of the fleet: backed up under its prefix, by the replica holding its lease. */
    cluster: ClusterNameSchema.optional(),
    name: objectName.optional(),
    storageLocation: z.string().min(1).optional(),
    ttl: duration.optional(),
    template: BackupTemplateSchema.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.schedule === undefined) return;
    for (const field of ['name', 'storageLocation', 'ttl', 'template'] as const)
      if (b[field] !== undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: 'cannot be combined with schedule' });
  });
export type BackupBody = z.infer<typeof BackupBody>;

const patterns = PatternListSchema.optional();

/** POST /api/v1/restores (dryRun plans only and writes nothing). */
export const RestoreBody = z
  .object({
    name: objectName.optional(),
    backupName: objectName.optional(),
    scheduleName: z.string().min(1).optional(),
    dryRun: z.boolean().default(false),
    includedNamespaces: patterns,
    excludedNamespaces: patterns,
    includedResources: patterns,
    excludedResources: patterns,
    labelSelector: z.string().optional(),
    includeClusterResources: z.boolean().optional(),
    namespaceMapping: dictionarySchema(z.string()).optional(),
    storageClassMapping: dictionarySchema(z.string()).optional(),
    existingResourcePolicy: z.enum(['none', 'update']).default('none'),
    preserveNodePorts: z.boolean().default(false),
    restoreStatus: patterns,
    /** Items restored at once within a step; the CLI's default (tuned by the benchmark) when absent. */
    parallelism: z.number().int().min(1).max(512).optional(),
    storageLocation: z.string().min(1).optional(),
    /** A fleet cluster whose backup (under its prefix) is restored; absent: the server's own backups. */
    cluster: z.string().min(1).max(253).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.backupName === undefined) === (b.scheduleName === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['backupName'],
        message: 'give exactly one of backupName or scheduleName',
      });
  });
export type RestoreBody = z.infer<typeof RestoreBody>;

export const ListQuery = z
  .object({ location: z.string().min(1).optional(), schedule: z.string().min(1).optional() })
  .strict();

/** `cluster` of a list's query: a fleet cluster's name; `-` for the server's own backups or restores. */
const clusterFilter = z.string().min(1).max(253).optional();

/** GET /api/v1/backups: ListQuery and `cluster`. */
export const BackupListQuery = ListQuery.extend({ cluster: clusterFilter }).strict();

/** GET /api/v1/restores: the location and `cluster`. */
export const RestoreListQuery = z
  .object({ location: z.string().min(1).optional(), cluster: clusterFilter })
  .strict();

/** GET of one restore: the location to look in (default: each of the server's, or of the cluster's). */
export const RestoreGetQuery = z.object({ location: z.string().min(1).optional() }).strict();

/** The 400 answer: the first issue, with the field at fault. */
export function badRequest(error: z.ZodError): { error: string; field: string; message: string } {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || '(body)';
  return { error: 'BAD_REQUEST', field, message: `${field}: ${issue?.message ?? 'invalid'}` };
}
