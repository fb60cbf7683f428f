import { corruptIndex } from './index-errors.ts';
import type { PackIndex } from './index-entry.ts';
import { IndexV1 } from './index-v1.ts';
import { IndexV2 } from './index-v2.ts';

/**
 * Opens an index blob's plaintext whatever its version (kopia's index.Open). v1 indexes need the
 * content encryption's per-content overhead to derive original lengths.
 */
export function openIndex(
  data: Buffer,
  blobId: string,
  options: { v1PerContentOverhead?: number } = {},
): PackIndex {
  switch (data.length === 0 ? undefined : data[0]) {
    case 1:
      return IndexV1.decode(data, blobId, options.v1PerContentOverhead ?? 0);
    case 2:
      return IndexV2.decode(data, blobId);
    default:
      throw corruptIndex(blobId, data.length === 0 ? 'empty' : `unknown index version ${data[0]}`);
  }
}
