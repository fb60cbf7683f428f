import * as z from 'zod';
import { LifeboatError } from '../../../errors/index.ts';
import { goBytes, goName } from './go-json.ts';
import { SCRYPT } from './key-derivation.ts';

/** The format blob's ID. */
export const FORMAT_BLOB_ID = 'kopia.repository';

/** The only cipher of the format blob kopia knows. */
export const FORMAT_ENCRYPTION = 'AES256_GCM';

/** kopia.repository: plain JSON around the encrypted repository configuration (repo/format/format_blob.go). */
export interface FormatBlob {
  tool: string;
  buildVersion: string;
  buildInfo: string;
  uniqueId: Buffer;
  keyAlgo: string;
  encryption: string;
  encryptedBlockFormat: Buffer;
}

const formatBlobSchema = z.object({
  tool: z.string().max(1000).default(''),
  buildVersion: z.string().max(1000).default(''),
  buildInfo: z.string().max(1000).default(''),
  uniqueID: goBytes,
  // Legacy format blobs have no keyAlgo: kopia then uses scrypt.
  keyAlgo: goName.default(''),
  encryption: goName.default(''),
  encryptedBlockFormat: goBytes,
});

/** Largest format blob read (kopia's own stays under 64 KiB). */
const MAX_FORMAT_BLOB = 1 << 20;

/** Parses kopia.repository; anything malformed is CORRUPT naming the blob. */
export function parseFormatBlob(data: Buffer, where: string): FormatBlob {
  const corrupt = (why: string, cause?: unknown) =>
    new LifeboatError('CORRUPT', `the format blob ${FORMAT_BLOB_ID} in ${where} ${why}`, {
      cause,
      hint: `${FORMAT_BLOB_ID} is damaged or not kopia's; restore it from a copy of the repository`,
      details: { blobId: FORMAT_BLOB_ID },
    });
  if (data.length > MAX_FORMAT_BLOB) throw corrupt(`is ${data.length} bytes long`);
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw corrupt('is not JSON', err);
  }
  const parsed = formatBlobSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(`is malformed at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const f = parsed.data;
  return {
    tool: f.tool,
    buildVersion: f.buildVersion,
    buildInfo: f.buildInfo,
    uniqueId: f.uniqueID,
    keyAlgo: f.keyAlgo === '' ? SCRYPT : f.keyAlgo,
    encryption: f.encryption,
    encryptedBlockFormat: f.encryptedBlockFormat,
  };
}

/** The blob's bytes as kopia writes them (Go's json.Encoder with a two-space indent, a final newline). */
export function encodeFormatBlob(f: FormatBlob): Buffer {
  const json = {
    tool: f.tool,
    buildVersion: f.buildVersion,
    buildInfo: f.buildInfo,
    uniqueID: f.uniqueId.toString('base64'),
    keyAlgo: f.keyAlgo,
    encryption: f.encryption,
    ...(f.encryptedBlockFormat.length > 0
      ? { encryptedBlockFormat: f.encryptedBlockFormat.toString('base64') }
      : {}),
  };
  return Buffer.from(`${JSON.stringify(json, null, 2)}\n`);
}
