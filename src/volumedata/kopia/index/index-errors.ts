import { LifeboatError } from '../../../errors/index.ts';

/** A CORRUPT error naming the index blob and what is wrong with it. */
export function corruptIndex(blobId: string, what: string): LifeboatError {
  return new LifeboatError('CORRUPT', `index blob ${blobId}: ${what}`, {
    hint: 'the index blob is damaged or not a kopia index; run `kopia index inspect` or `kopia maintenance` against the repository, or restore the blob from a copy',
    details: { blobId },
  });
}

/** A USAGE error for entries an index format cannot hold. */
export function unencodable(what: string): LifeboatError {
  return new LifeboatError('USAGE', `cannot encode index: ${what}`, {
    hint: 'this is a bug in the writer: the entries must fit the index format',
  });
}
