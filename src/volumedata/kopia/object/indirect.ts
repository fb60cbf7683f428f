import * as z from 'zod';
import { LifeboatError } from '../../../errors/index.ts';
import { formatObjectId, type ObjectId, parseObjectId } from './object-id.ts';
import { goQuote } from './go-text.ts';

/**
 * kopia's indirect objects (repo/object/indirect.go, object_writer.go): an object of several
 * contents is listed by the JSON `{"stream":"kopia:indirect","entries":[{"s":…,"l":…,"o":"…"}]}`,
 * each entry a byte range of the object and the object holding it.
 */
export interface IndirectEntry {
  /** Offset of the entry's first byte in the object. */
  readonly start: number;
  readonly length: number;
  readonly object: ObjectId;
}

export const INDIRECT_STREAM = 'kopia:indirect';

/** Larger than any list kopia writes for a file (~70 bytes an entry, 4 MiB average chunks). */
export const MAX_INDIRECT_JSON_BYTES = 256 << 20;

/**
 * The indirect object's bytes exactly as kopia's json.Encoder writes them (newline included):
 * `s` and `l` left out when 0, `o` always.
 */
export function encodeIndirect(entries: readonly IndirectEntry[]): Buffer {
  const parts: string[] = [];
  for (const e of entries) {
    const start = e.start === 0 ? '' : `"s":${e.start},`;
    const length = e.length === 0 ? '' : `"l":${e.length},`;
    parts.push(`{${start}${length}"o":${goQuote(formatObjectId(e.object))}}`);
  }
  const list = entries.length === 0 ? 'null' : `[${parts.join(',')}]`;
  return Buffer.from(`{"stream":"${INDIRECT_STREAM}","entries":${list}}\n`);
}

/** Entries for consecutive chunks of the given lengths, starting at 0. */
export function indirectEntries(
  chunks: ReadonlyArray<{ length: number; object: ObjectId }>,
): IndirectEntry[] {
  let start = 0;
  return chunks.map((c) => {
    const entry = { start, length: c.length, object: c.object };
    start += c.length;
    return entry;
  });
}

const Offset = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const IndirectSchema = z.object({
  stream: z.literal(INDIRECT_STREAM),
  entries: z.array(z.object({ s: Offset.optional(), l: Offset.optional(), o: z.string().max(1024) })),
});

/**
 * Reads an indirect object's JSON (hostile): CORRUPT naming `where` unless it is well formed and
 * its entries cover the object from 0 without gap or overlap.
 */
export function decodeIndirect(data: Uint8Array, where: string): IndirectEntry[] {
  const corrupt = (why: string) =>
    new LifeboatError('CORRUPT', `indirect object ${where} is malformed: ${why}`, {
      hint: 'The repository is damaged or was not written by kopia; run `kopia snapshot verify` on it.',
    });
  if (data.length > MAX_INDIRECT_JSON_BYTES) throw corrupt(`${data.length} bytes is too large`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8'));
  } catch {
    throw corrupt('not JSON');
  }
  const parsed = IndirectSchema.safeParse(json);
  if (!parsed.success) throw corrupt(parsed.error.issues[0]?.message ?? 'unexpected shape');
  const entries: IndirectEntry[] = [];
  let end = 0;
  for (const [i, e] of parsed.data.entries.entries()) {
    const start = e.s ?? 0;
    const length = e.l ?? 0;
    if (start !== end) throw corrupt(`entry ${i} starts at ${start}, expected ${end} (gap or overlap)`);
    end = start + length;
    if (end > Number.MAX_SAFE_INTEGER) throw corrupt(`entry ${i} ends beyond 2^53`);
    entries.push({ start, length, object: parseObjectId(e.o, `${where} entry ${i}`) });
  }
  if (entries.length === 0) throw corrupt('no entries');
  return entries;
}

/** The object's length: where its last entry ends. */
export function indirectLength(entries: readonly IndirectEntry[]): number {
  const last = entries.at(-1);
  return last === undefined ? 0 : last.start + last.length;
}

/** One entry's part of a byte range. */
export interface EntrySlice {
  readonly entry: IndirectEntry;
  /** Offset of the slice within the entry's object. */
  readonly offset: number;
  readonly length: number;
}

/**
 * The entries (and the parts of them) that hold bytes [offset, offset + length) of the object, in
 * order; the range is clipped to the object's end. Entries must come from decodeIndirect (ordered,
 * contiguous): found by binary search.
 */
export function entriesForRange(
  entries: readonly IndirectEntry[],
  offset: number,
  length: number,
): EntrySlice[] {
  const end = Math.min(offset + length, indirectLength(entries));
  const out: EntrySlice[] = [];
  if (offset < 0 || offset >= end) return out;
  let lo = 0;
  let hi = entries.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((entries[mid] as IndirectEntry).start <= offset) lo = mid;
    else hi = mid - 1;
  }
  for (let i = lo; i < entries.length; i++) {
    const entry = entries[i] as IndirectEntry;
    if (entry.start >= end) break;
    const from = Math.max(offset, entry.start);
    const to = Math.min(end, entry.start + entry.length);
    if (to > from) out.push({ entry, offset: from - entry.start, length: to - from });
  }
  return out;
}
