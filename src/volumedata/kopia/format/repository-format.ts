import { randomBytes } from 'node:crypto';
import { LifeboatError } from '../../../errors/index.ts';
import type { BlobStorage } from '../blob/blob-storage.ts';
import {
  BLOB_CONFIG_BLOB_ID,
  decodeBlobConfig,
  encodeBlobConfig,
  type BlobStorageConfig,
} from './blob-config.ts';
import {
  encodeFormatBlob,
  FORMAT_BLOB_ID,
  FORMAT_ENCRYPTION,
  parseFormatBlob,
  type FormatBlob,
} from './format-blob.ts';
import {
  decryptFormatBytes,
  deriveFormatKey,
  encryptFormatBytes,
  SCRYPT,
  type KeyDerivationAlgorithm,
} from './key-derivation.ts';
import {
  DEFAULT_EPOCH_PARAMETERS,
  encodeRepositoryConfig,
  repositoryConfigSchema,
  type RepositoryConfig,
} from './repository-config.ts';
import { writeVeleroMarker } from './velero-marker.ts';

/** An open repository's format: what every later layer (contents, indexes, objects) needs. */
export interface RepositoryFormat {
  /** The repository's random 32-byte identity (the salt of the format key). */
  uniqueId: Buffer;
  /** kopia.repository as read (tool, versions, key derivation, cipher). */
  formatBlob: FormatBlob;
  /** The key derived from the password: it encrypts the configuration, kopia.blobcfg and kopia.maintenance. */
  formatKey: Buffer;
  config: RepositoryConfig;
  blobConfig: BlobStorageConfig;
  /** Messages of required features kopia marks "warn if not understood". */
  warnings: string[];
}

/** The features a reader must understand that lifeboat does (kopia repo/open.go supportedFeatures). */
export const SUPPORTED_FEATURES: readonly string[] = ['index-v1', 'index-v2'];

const PASSWORD_HINT =
  "Velero keeps it in the Secret velero-repo-credentials (key repository-password) of Velero's namespace; its default is static-passw0rd";

/** Opens kopia.repository with the password: the decrypted configuration and kopia.blobcfg. */
export async function openRepositoryFormat(blobs: BlobStorage, password: string): Promise<RepositoryFormat> {
  const where = blobs.description;
  const formatBlob = parseFormatBlob(await readFormatBlob(blobs), where);
  if (formatBlob.encryption !== FORMAT_ENCRYPTION) {
    throw new LifeboatError(
      'UNSUPPORTED',
      `the format blob in ${where} is encrypted with '${formatBlob.encryption}'`,
      {
        hint: `kopia repositories encrypt ${FORMAT_BLOB_ID} with ${FORMAT_ENCRYPTION}; is this a kopia repository?`,
      },
    );
  }
  const formatKey = await deriveFormatKey(password, formatBlob.uniqueId, formatBlob.keyAlgo);
  const plain = decryptFormatBytes(formatBlob.encryptedBlockFormat, formatKey, formatBlob.uniqueId);
  if (plain === undefined) {
    throw new LifeboatError(
      'UNAUTHENTICATED',
      `the repository password is wrong for the kopia repository in ${where}`,
      {
        hint: PASSWORD_HINT,
      },
    );
  }
  const config = parseConfig(plain, where);
  const warnings = checkConfig(config, where);
  return {
    uniqueId: formatBlob.uniqueId,
    formatBlob,
    formatKey,
    config,
    blobConfig: await readBlobConfig(blobs, formatKey, formatBlob.uniqueId),
    warnings,
  };
}

async function readFormatBlob(blobs: BlobStorage): Promise<Buffer> {
  try {
    return await blobs.getBlob(FORMAT_BLOB_ID);
  } catch (err) {
    if (!(err instanceof LifeboatError) || err.code !== 'NOT_FOUND') throw err;
    throw new LifeboatError(
      'NOT_FOUND',
      `there is no kopia repository in ${blobs.description} (no ${FORMAT_BLOB_ID})`,
      {
        cause: err,
        hint: "Velero creates it under kopia/<namespace>/ of the location with the namespace's first volume backup; check the location and the namespace",
        details: { blobId: FORMAT_BLOB_ID },
      },
    );
  }
}

function parseConfig(plain: Buffer, where: string): RepositoryConfig {
  let json: unknown;
  try {
    json = JSON.parse(plain.toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = repositoryConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LifeboatError(
      'CORRUPT',
      `the repository configuration in ${FORMAT_BLOB_ID} of ${where} is malformed at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'not JSON'}`,
      {
        hint: `${FORMAT_BLOB_ID} decrypts but is not kopia's; restore it from a copy`,
        details: { blobId: FORMAT_BLOB_ID },
      },
    );
  }
  return parsed.data;
}

/** Refuses what lifeboat cannot honour: a format version it does not know, unknown required features, an upgrade in progress. */
function checkConfig(config: RepositoryConfig, where: string): string[] {
  if (![1, 2, 3].includes(config.version)) {
    throw new LifeboatError(
      'UNSUPPORTED',
      `the kopia repository in ${where} has format version ${config.version}`,
      {
        hint: 'lifeboat reads kopia format versions 1 to 3; a newer kopia wrote this repository',
      },
    );
  }
  const missing = config.requiredFeatures.filter((f) => !SUPPORTED_FEATURES.includes(f.feature));
  const refused = missing.filter((f) => !f.ifNotUnderstood.warn);
  if (refused.length > 0) {
    const names = refused.map((f) => `'${f.feature}'`).join(', ');
    throw new LifeboatError(
      'UNSUPPORTED',
      `the kopia repository in ${where} requires features lifeboat does not support: ${names}`,
      {
        hint: `lifeboat understands ${SUPPORTED_FEATURES.join(', ')}; ${refused[0]?.ifNotUnderstood.message ?? 'a newer kopia upgraded this repository'}`,
        details: { features: refused.map((f) => f.feature) },
      },
    );
  }
  if (config.upgradeLock !== undefined) {
    throw new LifeboatError(
      'CONFLICT',
      `the kopia repository in ${where} is being upgraded to a new format`,
      {
        hint: 'wait for the upgrade (kopia repository upgrade) to finish, then try again',
      },
    );
  }
  return missing.map((f) =>
    `the repository requires feature '${f.feature}', which lifeboat does not know: ${f.ifNotUnderstood.message ?? ''}`.trim(),
  );
}

async function readBlobConfig(
  blobs: BlobStorage,
  formatKey: Buffer,
  uniqueId: Buffer,
): Promise<BlobStorageConfig> {
  let data: Buffer;
  try {
    data = await blobs.getBlob(BLOB_CONFIG_BLOB_ID);
  } catch (err) {
    if (err instanceof LifeboatError && err.code === 'NOT_FOUND') return {};
    throw err;
  }
  return decodeBlobConfig(data, formatKey, uniqueId, blobs.description);
}

/** What a new repository may differ in from Velero's defaults (tests, other writers). */
export interface CreateRepositoryOptions {
  keyAlgo?: KeyDerivationAlgorithm;
  hash?: string;
  encryption?: string;
  splitter?: string;
  maxPackSize?: number;
  /**
   * Write Velero's udmrepo.Repository marker (default false). Velero treats a repository with the
   * marker as initialized and skips writing its maintenance parameters (a manifest owned by
   * default@default, which its maintenance Jobs need); without the marker Velero writes both on first
   * use. Set it only once those parameters are written too.
   */
  veleroMarker?: boolean;
}

/** kopia's defaults as Velero creates a repository (repo/initialize.go; Velero sets none of them). */
export const VELERO_DEFAULTS = {
  hash: 'BLAKE2B-256-128',
  encryption: 'AES256-GCM-HMAC-SHA256',
  splitter: 'DYNAMIC-4M-BUZHASH',
  maxPackSize: 20 << 20,
  version: 3,
  indexVersion: 2,
} as const;

/**
 * Creates a repository's format: kopia.blobcfg then kopia.repository (kopia's order), then Velero's
 * marker if asked. The storage must hold no repository: an existing kopia.repository is ALREADY_EXISTS.
 */
export async function createRepositoryFormat(
  blobs: BlobStorage,
  password: string,
  options: CreateRepositoryOptions = {},
): Promise<RepositoryFormat> {
  await refuseExisting(blobs);
  const uniqueId = randomBytes(32);
  const keyAlgo = options.keyAlgo ?? SCRYPT;
  const formatKey = await deriveFormatKey(password, uniqueId, keyAlgo);
  const config: RepositoryConfig = {
    hash: options.hash ?? VELERO_DEFAULTS.hash,
    encryption: options.encryption ?? VELERO_DEFAULTS.encryption,
    ecc: '',
    eccOverheadPercent: 0,
    secret: randomBytes(32),
    masterKey: randomBytes(32),
    version: VELERO_DEFAULTS.version,
    maxPackSize: options.maxPackSize ?? VELERO_DEFAULTS.maxPackSize,
    indexVersion: VELERO_DEFAULTS.indexVersion,
    epochParameters: { ...DEFAULT_EPOCH_PARAMETERS },
    enablePasswordChange: true,
    splitter: options.splitter ?? VELERO_DEFAULTS.splitter,
    requiredFeatures: [],
  };
  const formatBlob: FormatBlob = {
    tool: 'https://github.com/kopia/kopia',
    buildVersion: 'v0.22.3',
    buildInfo: 'lifeboat',
    uniqueId,
    keyAlgo,
    encryption: FORMAT_ENCRYPTION,
    encryptedBlockFormat: encryptFormatBytes(encodeRepositoryConfig(config), formatKey, uniqueId),
  };
  const blobConfig: BlobStorageConfig = {};
  await blobs.putBlob(BLOB_CONFIG_BLOB_ID, encodeBlobConfig(blobConfig, formatKey, uniqueId), {
    ifNotExists: true,
  });
  await blobs.putBlob(FORMAT_BLOB_ID, encodeFormatBlob(formatBlob), { ifNotExists: true });
  if (options.veleroMarker === true) await writeVeleroMarker(blobs, uniqueId);
  return { uniqueId, formatBlob, formatKey, config, blobConfig, warnings: [] };
}

async function refuseExisting(blobs: BlobStorage): Promise<void> {
  for (const id of [FORMAT_BLOB_ID, BLOB_CONFIG_BLOB_ID]) {
    const found = await blobs.getBlob(id).then(
      () => true,
      (err: unknown) => {
        if (err instanceof LifeboatError && err.code === 'NOT_FOUND') return false;
        throw err;
      },
    );
    if (found) {
      throw new LifeboatError(
        'ALREADY_EXISTS',
        `${blobs.description} already holds a kopia repository (${id})`,
        {
          hint: 'open the existing repository instead, or choose an empty prefix',
          details: { blobId: id },
        },
      );
    }
  }
}
