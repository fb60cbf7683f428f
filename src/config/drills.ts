import * as z from 'zod';
import { GoDurationSchema } from './duration.ts';
import { dictionarySchema } from '../model/index.ts';
import { ClusterNameSchema, DNS_LABEL } from './names.ts';

/**
 * DR drills in the config file: a cluster's recovery objectives (`clusters[].objectives`) and the
 * drills the server runs on a schedule (`drills:`), stored like backup schedules.
 */

const goDuration = GoDurationSchema;

/** A cluster's recovery objectives: a drill fails when its measured RTO (or the backup's age) exceeds them. */
export const ObjectivesSchema = z.object({ rto: goDuration.optional(), rpo: goDuration.optional() }).strict();
export type Objectives = z.infer<typeof ObjectivesSchema>;

/** A scheduled drill: restore `cluster`'s newest Completed backup into its standby at each cron time. */
export const DrillScheduleSchema = z
  .object({
    name: z.string().max(63).regex(DNS_LABEL, 'lower-case letters, digits and "-" (a DNS label)'),
    cluster: ClusterNameSchema,
    /** Cron: 5 or 6 fields, @monthly…, optional CRON_TZ= prefix. */
    schedule: z.string().min(1).max(256),
    timezone: z.string().max(64).optional(),
    paused: z.boolean().optional(),
    /** How long each restored workload may take to become ready (default 10m). */
    workloadTimeout: goDuration.optional(),
    namespaceMappings: dictionarySchema(z.string().regex(DNS_LABEL).max(63)).optional(),
    storageLocation: z.string().max(253).optional(),
  })
  .strict();
export type DrillSchedule = z.infer<typeof DrillScheduleSchema>;

export const DrillScheduleListSchema = z
  .array(DrillScheduleSchema)
  .max(1000)
  .refine(
    (list) => new Set(list.map((s) => s.name)).size === list.length,
    'drill schedule names must be unique',
  );
