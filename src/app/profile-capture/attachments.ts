import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { Attachment } from '../../profile/index.ts';
import {
  AttachmentKinds,
  importAttachment,
  isAttachmentKind,
  neededTruncation,
} from '../../profile/aks-hci/index.ts';

/** `KIND=FILE` from --attach, checked against the known kinds. */
export function parseAttachSpec(spec: string): { kind: (typeof AttachmentKinds)[number]; file: string } {
  const eq = spec.indexOf('=');
  const kind = eq > 0 ? spec.slice(0, eq) : '';
  const file = eq > 0 ? spec.slice(eq + 1) : '';
  if (!isAttachmentKind(kind) || file === '')
    throw new LifeboatError(
      'USAGE',
      `--attach ${spec}: expected KIND=FILE with KIND one of ${AttachmentKinds.join(', ')}`,
      {
        hint: 'e.g. --attach aks-hci-config=aks-hci-config.json --attach aks-hci-cluster=cluster.json',
      },
    );
  return { kind, file };
}

/**
 * Reads and imports every --attach file (redacted), before anything touches the cluster. A file
 * with values cut off by ConvertTo-Json's depth is accepted (warnings in the attachment) unless the
 * runbook needs a value that was cut off.
 */
export async function readAttachments(specs: readonly string[], now = new Date()): Promise<Attachment[]> {
  const parsed = specs.map(parseAttachSpec);
  const seen = new Set<string>();
  for (const { kind } of parsed) {
    if (seen.has(kind))
      throw new LifeboatError('USAGE', `--attach ${kind} given twice`, { hint: 'attach one file per kind' });
    seen.add(kind);
  }
  return Promise.all(
    parsed.map(async ({ kind, file }) => {
      const attachment = await readAttachmentFile(kind, file, now);
      const needed = neededTruncation(attachment, file);
      if (needed !== undefined) throw needed;
      return attachment;
    }),
  );
}

async function readAttachmentFile(
  kind: (typeof AttachmentKinds)[number],
  file: string,
  now: Date,
): Promise<Attachment> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new LifeboatError(
      'USAGE',
      `cannot read --attach ${kind}=${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        hint: 'check the path of the exported file',
        cause: err,
      },
    );
  }
  return importAttachment(kind, file, bytes, now);
}

/** A schedule's attachments as read for one run, and what was wrong with them (backup errors). */
export interface ScheduleAttachments {
  attachments: Attachment[];
  /** One line per file left out (unreadable, not the cmdlet's output) or missing values the runbook needs. */
  errors: string[];
}

/**
 * A schedule's configured attachments, read now (a re-exported file is picked up by the next run);
 * relative paths are from `baseDir` (the config file's directory). `overrides` (e.g. --attach on
 * `backup create --from-schedule`) replace the schedule's file of the same kind. The backup runs
 * whatever the files hold: a file that cannot be read or is not the cmdlet's output is left out, one
 * whose needed values were cut off is kept as it is; both are errors of the backup (PartiallyFailed).
 */
export async function readScheduleAttachments(
  entries: readonly { kind: string; file: string }[],
  baseDir: string,
  logger: Logger,
  overrides: readonly Attachment[] = [],
  now = new Date(),
): Promise<ScheduleAttachments> {
  const given = new Set<string>(overrides.map((a) => a.kind));
  const out: ScheduleAttachments = { attachments: [], errors: [] };
  for (const { kind, file } of entries) {
    if (given.has(kind)) continue;
    const path = isAbsolute(file) ? file : resolve(baseDir, file);
    try {
      if (!isAttachmentKind(kind)) parseAttachSpec(`${kind}=${path}`);
      else {
        const attachment = await readAttachmentFile(kind, path, now);
        out.attachments.push(attachment);
        const needed = neededTruncation(attachment, path);
        if (needed !== undefined) out.errors.push(`${needed.message} (${needed.hint ?? ''})`);
      }
    } catch (err) {
      const message = `attachment ${kind}=${path} of the schedule left out of the profile: ${(err as Error).message}`;
      logger.error({ err, kind, file: path }, message);
      out.errors.push(message);
    }
  }
  out.attachments.push(...overrides);
  return out;
}
