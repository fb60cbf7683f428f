import * as z from 'zod';
import { LifeboatError } from '../../../errors/index.ts';
import { goInt, goName } from './go-json.ts';
import { decryptFormatBytes, encryptFormatBytes } from './key-derivation.ts';

/** The blob that holds the repository's blob retention settings. */
export const BLOB_CONFIG_BLOB_ID = 'kopia.blobcfg';

/** kopia.blobcfg (repo/format/blobcfg_blob.go): object-lock retention; empty unless object lock is on. */
export interface BlobStorageConfig {
  retentionMode?: string;
  /** Nanoseconds. */
  retentionPeriod?: number;
}

const blobConfigSchema = z.object({
  retentionMode: goName.optional(),
  retentionPeriod: goInt.optional(),
});

/** The blob's bytes: the JSON encrypted like the format (AES256_GCM with the format key). */
export function encodeBlobConfig(c: BlobStorageConfig, formatKey: Buffer, uniqueId: Buffer): Buffer {
  const json = {
    ...(c.retentionMode ? { retentionMode: c.retentionMode } : {}),
    ...(c.retentionPeriod ? { retentionPeriod: c.retentionPeriod } : {}),
  };
  return encryptFormatBytes(Buffer.from(JSON.stringify(json)), formatKey, uniqueId);
}

/** Decrypts and parses kopia.blobcfg; a blob that does not decrypt or parse is CORRUPT. */
export function decodeBlobConfig(
  data: Buffer,
  formatKey: Buffer,
  uniqueId: Buffer,
  where: string,
): BlobStorageConfig {
  const corrupt = (why: string) =>
    new LifeboatError('CORRUPT', `the blob configuration ${BLOB_CONFIG_BLOB_ID} in ${where} ${why}`, {
      hint: `${BLOB_CONFIG_BLOB_ID} is damaged; restore it from a copy of the repository`,
      details: { blobId: BLOB_CONFIG_BLOB_ID },
    });
  const plain = decryptFormatBytes(data, formatKey, uniqueId);
  if (plain === undefined) throw corrupt('does not decrypt with the format key');
  let json: unknown;
  try {
    json = JSON.parse(plain.toString('utf8'));
  } catch {
    throw corrupt('is not JSON');
  }
  const parsed = blobConfigSchema.safeParse(json);
  if (!parsed.success) throw corrupt('is malformed');
  const { retentionMode, retentionPeriod } = parsed.data;
  return {
    ...(retentionMode ? { retentionMode } : {}),
    ...(retentionPeriod ? { retentionPeriod } : {}),
  };
}
