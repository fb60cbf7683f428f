import type { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import type * as z from 'zod';
import { LifeboatError } from '../../errors/index.ts';
import {
  buildManifest,
  checkManifest,
  type DrillReport,
  DrillReportSchema,
  type EvidenceManifest,
  type ManifestCheck,
  ManifestSchema,
  renderDrillHtml,
  renderDrillMarkdown,
} from '../../drill/index.ts';
import type { BackupStore, ObjectStore } from '../../store/index.ts';

/** The artefacts of a drill, by their file under restores/<name>/ (checksummed, in this order). */
const ARTEFACTS = ['drillReport', 'drillMarkdown', 'drillHtml'] as const;
type Artefact = (typeof ARTEFACTS)[number];

/** Evidence files are small; anything larger was not written by a drill. */
const MAX_EVIDENCE_BYTES = 32 * 1024 * 1024;

const fileName = (store: BackupStore, name: string, file: Artefact | 'drillChecksums') =>
  store.layout.restoreFileKey(name, file).slice(store.layout.restoreDir(name).length);

/**
 * Writes a drill's evidence under its restore's folder, where Velero ignores extra files: the
 * report (gzipped JSON), Markdown and HTML, then the checksum manifest of all three, last, so a
 * folder with a manifest has all its artefacts.
 */
export async function writeEvidence(store: BackupStore, report: DrillReport): Promise<EvidenceManifest> {
  const bodies = new Map<string, Buffer>();
  const encoded: Record<Artefact, Buffer> = {
    drillReport: gzipSync(`${JSON.stringify(report)}\n`),
    drillMarkdown: Buffer.from(renderDrillMarkdown(report)),
    drillHtml: Buffer.from(renderDrillHtml(report)),
  };
  for (const file of ARTEFACTS) {
    await store.putRestoreFile(report.name, file, encoded[file]);
    bodies.set(fileName(store, report.name, file), encoded[file]);
  }
  const manifest = buildManifest(report.name, bodies);
  await store.putRestoreFile(report.name, 'drillChecksums', `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

async function readAll(stream: Readable, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_EVIDENCE_BYTES) {
      stream.destroy();
      throw new LifeboatError(
        'CORRUPT',
        `${key} is larger than ${MAX_EVIDENCE_BYTES} bytes: not a drill's evidence`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readOptional(objects: ObjectStore, key: string): Promise<Buffer | undefined> {
  try {
    return await readAll(await objects.get(key), key);
  } catch (err) {
    if (err instanceof LifeboatError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

export interface Evidence {
  report: DrillReport;
  manifest: EvidenceManifest;
  integrity: ManifestCheck;
  markdown: string | undefined;
  html: string | undefined;
}

/** A drill's evidence read back from the bucket alone, each artefact checked against the manifest. */
export async function readEvidence(
  store: BackupStore,
  objects: ObjectStore,
  name: string,
): Promise<Evidence> {
  const manifestKey = store.layout.restoreFileKey(name, 'drillChecksums');
  const manifestBytes = await readOptional(objects, manifestKey);
  if (manifestBytes === undefined)
    throw new LifeboatError('NOT_FOUND', `drill "${name}" not found in this location`, {
      hint: 'list the drills with: lifeboat drill get --cluster NAME',
    });
  const manifest = parse(ManifestSchema, manifestBytes.toString('utf8'), manifestKey);
  const read = new Map<string, Buffer | undefined>();
  const bodies = new Map<Artefact, Buffer | undefined>();
  for (const file of ARTEFACTS) {
    const body = await readOptional(objects, store.layout.restoreFileKey(name, file));
    read.set(fileName(store, name, file), body);
    bodies.set(file, body);
  }
  const integrity = checkManifest(manifest, read);
  const json = bodies.get('drillReport');
  if (json === undefined)
    throw new LifeboatError(
      'CORRUPT',
      `drill "${name}" has a manifest but no report (${fileName(store, name, 'drillReport')})`,
      {
        hint: 'the evidence was removed after the drill: run the drill again',
      },
    );
  let text: string;
  try {
    text = gunzipSync(json, { maxOutputLength: MAX_EVIDENCE_BYTES }).toString('utf8');
  } catch (err) {
    throw new LifeboatError('CORRUPT', `the report of drill "${name}" is not gzip`, { cause: err });
  }
  return {
    report: parse(DrillReportSchema, text, fileName(store, name, 'drillReport')),
    manifest,
    integrity,
    markdown: bodies.get('drillMarkdown')?.toString('utf8'),
    html: bodies.get('drillHtml')?.toString('utf8'),
  };
}

function parse<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LifeboatError('CORRUPT', `${what} is not JSON`, {
      cause: err,
      hint: 'the evidence was altered: run the drill again',
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LifeboatError(
      'CORRUPT',
      `${what} is not a drill's evidence: ${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
      {
        hint: 'the evidence was altered: run the drill again',
      },
    );
  }
  return parsed.data;
}
