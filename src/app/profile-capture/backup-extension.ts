import { redact } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { backupFileNames, gzipJsonLine } from '../../store/index.ts';
import type { Attachment } from '../../profile/index.ts';
import { attachmentWarning } from '../../profile/aks-hci/index.ts';
import {
  captureProfile,
  loadBalancerService,
  type LoadBalancerService,
  pvcClass,
  READS_DURING_BACKUP,
  storageClassUsage,
} from '../../profile/capture/index.ts';
import { itemMessage, type ResultsCollector } from '../../results/index.ts';
import type { BackupExtension } from '../backup/run-backup.ts';
import { sanitizeProfile } from './capture.ts';
import { ProfileTap } from './tap.ts';

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
