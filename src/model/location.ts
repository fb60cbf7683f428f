import * as z from 'zod';
import { nullObject } from './dictionary.ts';
import { dictionarySchema } from './dictionary-schema.ts';

/**
 * A backup storage location, with Velero's BackupStorageLocation field names
 * (spec/velero-format.md §6.3). Persisted in the lifeboat config file.
 */
export const LocationProviderSchema = z.enum(['aws', 'azure', 'filesystem']);
export type LocationProvider = z.infer<typeof LocationProviderSchema>;

export const LocationSchema = z.object({
  name: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      'a location name is a DNS label: lower-case letters, digits and -',
    )
    .max(63),
  /** "aws" (S3 and S3-compatible such as MinIO), "azure", or "filesystem". "velero.io/aws" is accepted as "aws". */
  provider: LocationProviderSchema,
  objectStorage: z.object({
    /** S3 bucket, Azure container, or (filesystem) the root folder. */
    bucket: z.string().min(1),
    prefix: z.string().optional(),
    /** base64 PEM CA bundle (Velero's deprecated caCert) or a path with caCertFile. */
    caCert: z.string().optional(),
  }),
  /** Provider config as in Velero: region, s3Url, s3ForcePathStyle, insecureSkipTLSVerify, checksumAlgorithm,
   *  storageAccount, storageAccountURI, storageAccountKeyEnvVar, … (string values). */
  config: dictionarySchema(z.string()).default(() => nullObject<string>()),
  /** Path of a credentials file in Velero's formats (AWS shared-credentials INI; Azure dotenv). */
  credentialsFile: z.string().optional(),
  default: z.boolean().default(false),
  accessMode: z.enum(['ReadWrite', 'ReadOnly']).default('ReadWrite'),
});
export type Location = z.infer<typeof LocationSchema>;
