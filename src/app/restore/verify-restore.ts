import { KubeClient, type KubeTarget, loadKubeConfig } from '../../kube/index.ts';
import { compareWithTarget, type PreparedItems, type RestorePlan } from '../../restore/index.ts';
import type { BackupQuery } from '../backups/backups.ts';
import { withLocation } from '../deps/locations-open.ts';
import { readRestoreRecord } from './restores.ts';
import type { ArchiveLimits } from '../deps/archive-limits.ts';
import { extractBackup } from './extract-backup.ts';
import { planRestore } from './plan-restore.ts';

export interface RestoreMismatch {
  resource: string;
  namespace?: string;
  name: string;
  problem: 'missing' | 'different';
  differences: string[];
}

export interface RestoreVerifyReport {
  ok: boolean;
  checked: number;
  identical: number;
  mismatches: RestoreMismatch[];
}

/**
 * Re-reads every planned object from the target and compares it with the backup copy after the
 * same normalisation the restore applied (reset metadata, actions, mapped namespace); fields the
 * API server added are ignored.
 */
export async function verifyAgainstTarget(
  plan: RestorePlan,
  options: { client: KubeClient; prepared: PreparedItems },
): Promise<RestoreVerifyReport> {
  const report: RestoreVerifyReport = { ok: true, checked: 0, identical: 0, mismatches: [] };
  await compareWithTarget(plan, {
    ...options,
    onVerdict: (v) => {
      report.checked++;
      if (v.existence === 'identical') {
        report.identical++;
        return;
      }
      const m: RestoreMismatch = {
        resource: v.item.groupResource,
        name: v.item.name,
        problem: v.existence === 'absent' ? 'missing' : 'different',
        differences: v.differences,
      };
      if (v.item.targetNamespace !== undefined) m.namespace = v.item.targetNamespace;
      report.mismatches.push(m);
    },
  });
  report.ok = report.mismatches.length === 0;
  return report;
}

/** `lifeboat restore verify NAME`: re-plans the stored restore against the target and compares. */
export async function verifyRestore(
  query: BackupQuery,
  name: string,
  kube: KubeTarget,
  archiveLimits?: ArchiveLimits,
): Promise<RestoreVerifyReport> {
  return withLocation(query, async (opened) => {
    const record = await readRestoreRecord(opened.backupStore, name);
    const client = new KubeClient(loadKubeConfig(kube));
    try {
      const extracted = await extractBackup(opened.backupStore, record.spec.backupName, archiveLimits);
      try {
        const plan = await planRestore(record.spec, name, client, extracted);
        return await verifyAgainstTarget(plan, { client, prepared: extracted.prepared });
      } finally {
        await extracted.remove();
      }
    } finally {
      client.close();
    }
  });
}
