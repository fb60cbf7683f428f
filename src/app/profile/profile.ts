import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { LifeboatError, redact } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import { backupFileNames, gzipJsonLine } from '../../store/index.ts';
import {
  type Attachment,
  AttachmentKinds,
  attachmentWarning,
  captureProfile,
  type ClusterProfile,
  clusterProfileSchema,
  importAttachment,
  isAttachmentKind,
  loadBalancerService,
  type LoadBalancerService,
  neededTruncation,
  PROFILE_API_VERSION,
  pvcClass,
  READS_DURING_BACKUP,
  redactTree,
  storageClassUsage,
} from '../../profile/index.ts';
import { ProfileTap } from './profile-tap.ts';
import { connectCluster } from '../deps/cluster.ts';
import type { BackupExtension } from '../backup/run-backup.ts';
import { itemMessage, type ResultsCollector } from '../../results/index.ts';
import { nullObject } from '../../model/index.ts';

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

/** Removes credentials anywhere in a profile before it is stored or printed (defence in depth). */
export function sanitizeProfile(profile: ClusterProfile): ClusterProfile {
  return redactTree(profile, []) as ClusterProfile;
}

/** Captures the profile of a live cluster. */
export async function captureClusterProfile(
  kube: KubeTarget,
  attachments: readonly Attachment[] = [],
): Promise<ClusterProfile> {
  const cluster = await connectCluster(kube);
  try {
    return sanitizeProfile(
      await captureProfile({
        client: cluster.client,
        server: cluster.server,
        version: cluster.version,
        context: kube.context,
        attachments,
      }),
    );
  } finally {
    cluster.close();
  }
}

/**
 * The backup extension writing `<name>-cluster-profile.json.gz`. What the profile reads that the
 * backup lists anyway (nodes, CRDs, webhooks, classes, the kube-system config maps…) it takes from
 * the backup's listing as the items pass (ProfileTap); the rest it reads while the items are listed.
 * What the backup itself holds — its LoadBalancer Services, the StorageClasses its PVCs ask for —
 * comes from the stored items.
 */
export function profileExtension(
  attachments: readonly Attachment[],
  attachmentErrors: readonly string[] = [],
): BackupExtension {
  return {
    name: 'cluster profile',
    start(ctx) {
      const tap = new ProfileTap(ctx.listing, READS_DURING_BACKUP);
      const capture = captureProfile({
        client: ctx.cluster.client,
        server: ctx.cluster.server,
        version: ctx.cluster.version,
        resources: ctx.served,
        attachments,
        backup: ctx.name,
        loadBalancerServices: [], // filled in from the stored Services below
        source: tap,
      });
      capture.catch(() => undefined); // reported by files()
      const services: LoadBalancerService[] = [];
      const pvcs: { namespace: string; storageClass: string | undefined }[] = [];
      return {
        watches: [
          ...tap.watches,
          {
            groupResource: 'services',
            mentions: '"LoadBalancer"',
            see(item, stored) {
              const lb = stored ? loadBalancerService(item) : undefined;
              if (lb !== undefined) services.push(lb);
            },
          },
          {
            groupResource: 'persistentvolumeclaims',
            see(item, stored) {
              if (stored)
                pvcs.push({ namespace: item.metadata.namespace ?? '', storageClass: pvcClass(item) });
            },
          },
        ],
        async files(outcome) {
          tap.close();
          recordAttachmentProblems(outcome.results, attachments, attachmentErrors, ctx.logger);
          const profile = await capture;
          profile.ingress.loadBalancerServices = services;
          profile.storage.usedByBackup = storageClassUsage(pvcs);
          const fileName = backupFileNames(ctx.name).clusterProfile;
          ctx.logger.info(
            { file: fileName },
            `cluster profile captured (${profile.metadata.platform}, ${profile.nodePools.length} node pools)`,
          );
          return [{ fileName, body: gzipJsonLine(sanitizeProfile(profile)) }];
        },
      };
    },
  };
}

/**
 * An attachment's cosmetic defects (values cut off where the runbook does not look) are warnings of
 * the backup; one left out or missing what the runbook needs is an error (PartiallyFailed).
 */
function recordAttachmentProblems(
  results: ResultsCollector,
  attachments: readonly Attachment[],
  errors: readonly string[],
  logger: Logger,
): void {
  for (const a of attachments) {
    const warning = attachmentWarning(a);
    if (warning === undefined) continue;
    const message = `attachment ${a.kind} (${a.fileName}): ${warning}`;
    results.warning(itemMessage({ message }));
    logger.warn({ kind: a.kind, file: a.fileName }, message);
  }
  for (const message of errors)
    results.error(itemMessage({ message: 'cluster profile attachment', error: redact(message) }));
}

/** Validates a stored or saved profile; names `what` and says what to do when it is not one. */
export function parseProfile(value: unknown, what: string): ClusterProfile {
  const v = (typeof value === 'object' && value !== null ? value : nullObject()) as Record<string, unknown>;
  if (v['kind'] === 'ClusterProfile' && v['apiVersion'] !== PROFILE_API_VERSION)
    throw new LifeboatError(
      'UNSUPPORTED',
      `${what} is a ClusterProfile of apiVersion ${String(v['apiVersion'])}; this lifeboat reads ${PROFILE_API_VERSION}`,
      {
        hint: 'use the lifeboat version that wrote it, or capture the profile again',
      },
    );
  const result = clusterProfileSchema().safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new LifeboatError(
      'CORRUPT',
      `${what} is not a valid cluster profile: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
      {
        hint: 'give a file written by lifeboat profile capture -o json|yaml',
      },
    );
  }
  return result.data;
}

/** A profile file: YAML or JSON, optionally gzipped (a downloaded <name>-cluster-profile.json.gz). */
export async function readProfileFile(path: string): Promise<ClusterProfile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new LifeboatError(
      'USAGE',
      `cannot read profile file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        hint: 'give a profile file, backup:NAME or cluster:KUBECONFIG',
        cause: err,
      },
    );
  }
  let value: unknown;
  try {
    const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    value = parseYaml(text);
  } catch (err) {
    throw new LifeboatError('USAGE', `${path} is not YAML or JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseProfile(value, path);
}

export { summarizeProfile, renderFindings } from '../../profile/index.ts';
export type { ClusterProfile, Attachment } from '../../profile/index.ts';
export type { Finding } from '../../profile/index.ts';
