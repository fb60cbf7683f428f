import * as z from 'zod';
import { LifeboatError } from '../../../errors/index.ts';
import type { BlobStorage } from '../blob/blob-storage.ts';
import { goBytes } from './go-json.ts';

/** Velero's marker blob: it adopts a repository whose marker holds the repository's uniqueID. */
export const VELERO_MARKER_BLOB_ID = 'udmrepo.Repository';

const markerSchema = z.object({ uniqueID: goBytes });

/** The marker's bytes: `{"uniqueID":"<base64>"}` (Velero pkg/repository/udmrepo/kopialib/repo_init.go). */
export function encodeVeleroMarker(uniqueId: Buffer): Buffer {
  return Buffer.from(JSON.stringify({ uniqueID: uniqueId.toString('base64') }));
}

/** The uniqueID the marker holds, or undefined when there is no marker. A malformed one is CORRUPT. */
export async function readVeleroMarker(blobs: BlobStorage): Promise<Buffer | undefined> {
  let data: Buffer;
  try {
    data = await blobs.getBlob(VELERO_MARKER_BLOB_ID);
  } catch (err) {
    if (err instanceof LifeboatError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
  let parsed;
  try {
    parsed = markerSchema.safeParse(JSON.parse(data.subarray(0, 64 * 1024).toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (parsed?.success !== true) {
    throw new LifeboatError(
      'CORRUPT',
      `Velero's marker ${VELERO_MARKER_BLOB_ID} in ${blobs.description} is malformed`,
      {
        hint: 'Velero reports such a repository as corrupted; remove the marker and Velero writes it again when it connects',
        details: { blobId: VELERO_MARKER_BLOB_ID },
      },
    );
  }
  return parsed.data.uniqueID;
}

/** Writes the marker Velero writes after it creates or first connects to a repository. */
export async function writeVeleroMarker(blobs: BlobStorage, uniqueId: Buffer): Promise<void> {
  await blobs.putBlob(VELERO_MARKER_BLOB_ID, encodeVeleroMarker(uniqueId));
}
