import { skipSpace, skipValue } from '../gojson/index.ts';
import { LifeboatError } from '../errors/index.ts';

/** A page of a LIST as the server sent it; its items are read in place (backup's PageCursor). */
export interface RawPage {
  body: Buffer;
  /** Where the `items` array starts (its `[`), or -1 when the page has none. */
  itemsAt: number;
  /** The list's path (named in errors about the page). */
  path: string;
}

/** A list response that is not the JSON list it should be (a per-type error in a backup). */
export class ListBodyError extends LifeboatError {
  constructor(path: string) {
    super('OPERATION_FAILED', `the API server sent a list that is not valid JSON for ${path}`, {
      hint: 'retry the backup; if it persists, check the API server (or the aggregated API serving this type)',
    });
  }
}

/**
 * Finds a list body's `items` array and reads its `metadata` (the continue token), without parsing
 * the items. The API server writes `metadata` before `items`; a body that does not is still read.
 */
export function splitListBody(body: Buffer, path: string): { page: RawPage; continue: string | undefined } {
  const malformed = () => new ListBodyError(path);
  let p = skipSpace(body, 0);
  if (body[p] !== 0x7b) throw malformed();
  p = skipSpace(body, p + 1);
  let metadata: { continue?: string } | undefined;
  let itemsAt = -1;
  let seenMetadata = false;
  while (body[p] !== 0x7d) {
    const keyEnd = body[p] === 0x22 ? skipValue(body, p) : -1;
    if (keyEnd < 0) throw malformed();
    const key = body.toString('utf8', p + 1, keyEnd - 1);
    p = skipSpace(body, keyEnd);
    if (body[p] !== 0x3a) throw malformed();
    p = skipSpace(body, p + 1);
    if (key === 'items' && body[p] === 0x5b) {
      itemsAt = p;
      if (seenMetadata) break; // nothing after the items matters
    }
    const end = skipValue(body, p);
    if (end < 0) throw malformed();
    if (key === 'metadata') {
      seenMetadata = true;
      try {
        metadata = JSON.parse(body.toString('utf8', p, end)) as { continue?: string } | undefined;
      } catch {
        throw malformed();
      }
    }
    p = skipSpace(body, end);
    if (body[p] === 0x2c) p = skipSpace(body, p + 1);
    else if (body[p] !== 0x7d) throw malformed();
  }
  return { page: { body, itemsAt, path }, continue: metadata?.continue };
}
