import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod';
import { LifeboatError } from '../../../errors/index.ts';
import { dictionarySchema, nullObject } from '../../../model/index.ts';
import { compareGoStrings } from './directory.ts';
import { goQuote, goTime, parseGoTime } from './go-text.ts';

/**
 * kopia's manifest contents (repo/manifest): contents with prefix `m` holding gzip of
 * `{"entries":[{"id","labels","modified","deleted","data"}]}`; snapshots, policies and
 * maintenance records are manifest entries told apart by their `type` label.
 */
export interface ManifestEntry {
  /** 32 hex digits (16 random bytes). */
  readonly id: string;
  /** Null for a deletion marker. */
  readonly labels: Readonly<Record<string, string>> | null;
  /** Nanoseconds since the Unix epoch. */
  readonly modified: bigint;
  readonly deleted: boolean;
  /**
   * The payload: when encoding, its compact JSON text exactly as it is to be stored (Go's
   * RawMessage); when decoded, the parsed JSON value. Null for a deletion marker.
   */
  readonly data: unknown;
}

/** The content ID prefix of manifest contents. */
export const MANIFEST_PREFIX = 'm';
/** Decompressed size cap for one manifest content (kopia compacts far below this). */
export const MAX_MANIFEST_JSON_BYTES = 256 << 20;

/** A new manifest ID as kopia makes them: 16 random bytes in hex. */
export function newManifestId(): string {
  return randomBytes(16).toString('hex');
}

/** The JSON of a manifest content as kopia's json.Encoder writes it (labels in Go's key order). */
export function encodeManifestJson(entries: readonly ManifestEntry[]): Buffer {
  const parts = entries.map((e) => {
    const data = typeof e.data === 'string' ? e.data : 'null';
    const deleted = e.deleted ? ',"deleted":true' : '';
    return `{"id":${goQuote(e.id)},"labels":${encodeLabels(e.labels)},"modified":${goTime(e.modified)}${deleted},"data":${data}}`;
  });
  const list = entries.length === 0 ? 'null' : `[${parts.join(',')}]`;
  return Buffer.from(`{"entries":${list}}\n`);
}

/** The bytes of a manifest content (before the content layer's own compression): gzip of the JSON. */
export function encodeManifestContent(entries: readonly ManifestEntry[]): Buffer {
  return gzipSync(encodeManifestJson(entries));
}

/** Go's encoding of a map[string]string: keys sorted, null for a nil map. */
export function encodeLabels(labels: Readonly<Record<string, string>> | null): string {
  if (labels === null) return 'null';
  const keys = Object.keys(labels).sort(compareGoStrings);
  return `{${keys.map((k) => `${goQuote(k)}:${goQuote(labels[k] ?? '')}`).join(',')}}`;
}

const ManifestSchema = z.object({
  entries: z
    .array(
      z.object({
        id: z.string().min(1).max(256),
        labels: dictionarySchema(z.string()).nullish(),
        modified: z.string(),
        deleted: z.boolean().optional(),
        data: z.unknown(),
      }),
    )
    .nullable(),
});

/** Reads a manifest content (gzip of the JSON; hostile): CORRUPT naming `contentId`. */
export function decodeManifestContent(
  data: Uint8Array,
  contentId: string,
  maxBytes = MAX_MANIFEST_JSON_BYTES,
): ManifestEntry[] {
  let json: Buffer;
  try {
    json = gunzipSync(data, { maxOutputLength: maxBytes });
  } catch (err) {
    throw corruptManifest(contentId, `not gzip, or larger than ${maxBytes} bytes unpacked`, err);
  }
  return decodeManifestJson(json, contentId);
}

/** Reads the JSON of a manifest content (hostile): CORRUPT naming `contentId`. */
export function decodeManifestJson(json: Uint8Array, contentId: string): ManifestEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.length).toString('utf8'));
  } catch (err) {
    throw corruptManifest(contentId, 'not JSON', err);
  }
  const parsed = ManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corruptManifest(
      contentId,
      `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'unexpected shape'}`,
    );
  }
  return (parsed.data.entries ?? []).map((e, i) => {
    const modified = parseGoTime(e.modified);
    if (modified === null) throw corruptManifest(contentId, `entry ${i} has a malformed time`);
    return {
      id: e.id,
      labels: e.labels ?? null,
      modified,
      deleted: e.deleted ?? false,
      data: e.data ?? null,
    };
  });
}

function corruptManifest(contentId: string, why: string, cause?: unknown): LifeboatError {
  return new LifeboatError('CORRUPT', `manifest content ${contentId} is malformed: ${why}`, {
    hint: 'The repository is damaged or was not written by kopia; run `kopia snapshot verify` on it.',
    cause,
  });
}

/**
 * The manifests a repository holds, from all its manifest contents, by kopia's rule: per ID the
 * entry with the latest `modified` wins (on a tie a deletion wins, where kopia's pick depends on
 * map order), then deleted entries are dropped.
 */
export function mergeManifestEntries(
  contents: Iterable<readonly ManifestEntry[]>,
): Map<string, ManifestEntry> {
  const merged = new Map<string, ManifestEntry>();
  for (const entries of contents) {
    for (const e of entries) {
      const prev = merged.get(e.id);
      if (prev === undefined || e.modified > prev.modified || (e.modified === prev.modified && e.deleted)) {
        merged.set(e.id, e);
      }
    }
  }
  for (const [id, e] of merged) if (e.deleted) merged.delete(id);
  return merged;
}

/** Manifests whose labels include every given label (kopia's Find). */
export function findManifests(
  manifests: Iterable<ManifestEntry>,
  labels: Readonly<Record<string, string>>,
): ManifestEntry[] {
  const wanted = Object.entries(labels);
  const out: ManifestEntry[] = [];
  for (const m of manifests) {
    const have = m.labels ?? nullObject<string>();
    if (wanted.every(([k, v]) => Object.hasOwn(have, k) && have[k] === v)) out.push(m);
  }
  return out;
}
