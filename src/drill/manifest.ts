import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * The checksum manifest of a drill's evidence: the sha256 of every artefact, so that a reader can
 * tell whether any file was altered or removed after the drill wrote them.
 */
export const ManifestSchema = z.object({
  apiVersion: z.literal('lifeboat.io/v1alpha1'),
  kind: z.literal('DrillEvidence'),
  drill: z.string().max(253),
  algorithm: z.literal('sha256'),
  files: z
    .array(
      z.object({
        name: z.string().max(600),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        size: z.number().int().nonnegative(),
      }),
    )
    .max(16),
});
export type EvidenceManifest = z.infer<typeof ManifestSchema>;

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function buildManifest(drill: string, files: ReadonlyMap<string, Buffer>): EvidenceManifest {
  return {
    apiVersion: 'lifeboat.io/v1alpha1',
    kind: 'DrillEvidence',
    drill,
    algorithm: 'sha256',
    files: [...files].map(([name, bytes]) => ({ name, sha256: sha256(bytes), size: bytes.length })),
  };
}

export interface ManifestCheck {
  ok: boolean;
  /** One line per artefact: `<file>: ok`, `altered`, `missing`. */
  files: { name: string; status: 'ok' | 'altered' | 'missing' }[];
}

/** Each artefact read back (undefined: missing) against the manifest. */
export function checkManifest(
  manifest: EvidenceManifest,
  read: ReadonlyMap<string, Buffer | undefined>,
): ManifestCheck {
  const files = manifest.files.map((f) => {
    const bytes = read.get(f.name);
    const status: 'ok' | 'altered' | 'missing' =
      bytes === undefined
        ? 'missing'
        : sha256(bytes) === f.sha256 && bytes.length === f.size
          ? 'ok'
          : 'altered';
    return { name: f.name, status };
  });
  return { ok: files.every((f) => f.status === 'ok'), files };
}
