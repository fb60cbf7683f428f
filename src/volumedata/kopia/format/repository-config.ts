import * as z from 'zod';
import { dictionarySchema } from '../../../model/index.ts';
import { goBytes, goInt, goName } from './go-json.ts';

/** Kopia's epoch manager parameters (internal/epoch, JSON in PascalCase, durations in nanoseconds). */
export interface EpochParameters {
  Enabled: boolean;
  EpochRefreshFrequency: number;
  FullCheckpointFrequency: number;
  CleanupSafetyMargin: number;
  MinEpochDuration: number;
  EpochAdvanceOnCountThreshold: number;
  EpochAdvanceOnTotalSizeBytesThreshold: number;
  DeleteParallelism: number;
}

const MINUTE_NS = 60e9;

/** kopia's epoch.DefaultParameters(): what a new format-v3 repository carries. */
export const DEFAULT_EPOCH_PARAMETERS: EpochParameters = {
  Enabled: true,
  EpochRefreshFrequency: 20 * MINUTE_NS,
  FullCheckpointFrequency: 7,
  CleanupSafetyMargin: 240 * MINUTE_NS,
  MinEpochDuration: 1440 * MINUTE_NS,
  EpochAdvanceOnCountThreshold: 20,
  EpochAdvanceOnTotalSizeBytesThreshold: 10 << 20,
  DeleteParallelism: 4,
};

const epochParametersSchema = z.object({
  Enabled: z.boolean().default(false),
  EpochRefreshFrequency: goInt.default(0),
  FullCheckpointFrequency: goInt.default(0),
  CleanupSafetyMargin: goInt.default(0),
  MinEpochDuration: goInt.default(0),
  EpochAdvanceOnCountThreshold: goInt.default(0),
  EpochAdvanceOnTotalSizeBytesThreshold: goInt.default(0),
  DeleteParallelism: goInt.default(0),
});

/** A feature a client must understand to use the repository (kopia internal/feature). */
export interface RequiredFeature {
  feature: string;
  ifNotUnderstood: { warn: boolean; message?: string; url?: string; upgradeToVersion?: string };
}

const requiredFeatureSchema = z.object({
  feature: goName,
  ifNotUnderstood: z
    .object({
      warn: z.boolean().default(false),
      message: z.string().max(2000).optional(),
      url: z.string().max(2000).optional(),
      upgradeToVersion: goName.optional(),
    })
    .default({ warn: false }),
});

/**
 * The repository configuration inside kopia.repository's encryptedBlockFormat (kopia
 * repo/format/{repository_config,content_format,object_format}.go).
 */
export interface RepositoryConfig {
  hash: string;
  encryption: string;
  ecc: string;
  eccOverheadPercent: number;
  /** The hash secret (keyed BLAKE2b/HMAC). */
  secret: Buffer;
  /** The content encryption master key. */
  masterKey: Buffer;
  version: number;
  maxPackSize: number;
  indexVersion: number;
  epochParameters: EpochParameters;
  enablePasswordChange: boolean;
  splitter: string;
  /** Present while a format upgrade holds the repository (kept as read). */
  upgradeLock?: Record<string, unknown>;
  requiredFeatures: RequiredFeature[];
}

export const repositoryConfigSchema = z
  .object({
    format: z.object({
      hash: goName.default(''),
      encryption: goName.default(''),
      ecc: goName.default(''),
      eccOverheadPercent: goInt.default(0),
      secret: goBytes,
      masterKey: goBytes,
      version: goInt.default(0),
      maxPackSize: goInt.default(0),
      indexVersion: goInt.default(0),
      epochParameters: epochParametersSchema.nullish().transform((e) => e ?? epochParametersSchema.parse({})),
      enablePasswordChange: z.boolean().default(false),
      splitter: goName.default(''),
      upgradeLock: dictionarySchema(z.unknown())
        .nullish()
        .transform((u) => u ?? undefined),
      requiredFeatures: z
        .array(requiredFeatureSchema)
        .max(100)
        .nullish()
        .transform((r) => r ?? []),
    }),
  })
  .transform((c): RepositoryConfig => c.format);

/** The JSON kopia encrypts: Go's field order, empty optional fields left out (omitempty). */
export function encodeRepositoryConfig(c: RepositoryConfig): Buffer {
  const format = {
    hash: c.hash || undefined,
    encryption: c.encryption || undefined,
    ecc: c.ecc || undefined,
    eccOverheadPercent: c.eccOverheadPercent || undefined,
    secret: c.secret.length > 0 ? c.secret.toString('base64') : undefined,
    masterKey: c.masterKey.length > 0 ? c.masterKey.toString('base64') : undefined,
    version: c.version || undefined,
    maxPackSize: c.maxPackSize || undefined,
    indexVersion: c.indexVersion || undefined,
    epochParameters: c.epochParameters,
    enablePasswordChange: c.enablePasswordChange,
    splitter: c.splitter || undefined,
    upgradeLock: c.upgradeLock,
    requiredFeatures: c.requiredFeatures.length > 0 ? c.requiredFeatures : undefined,
  };
  return Buffer.from(JSON.stringify({ format }));
}
