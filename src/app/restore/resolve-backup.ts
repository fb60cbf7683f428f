import { LifeboatError } from '../../errors/index.ts';
import { getValidLabelValue, type VeleroBackup, VeleroLabels } from '../../model/index.ts';
import type { BackupStore } from '../../store/index.ts';

/** Which backup to restore: by name, or a schedule's newest Completed backup. */
export async function resolveBackup(
  store: BackupStore,
  source: { backup?: string | undefined; schedule?: string | undefined },
): Promise<VeleroBackup> {
  if (source.backup !== undefined) {
    const backup = await store.getBackup(source.backup);
    const phase = backup.status.phase;
    if (phase !== 'Completed' && phase !== 'PartiallyFailed') {
      throw new LifeboatError(
        'UNSUPPORTED',
        `backup "${source.backup}" is ${phase ?? 'in an unknown phase'}: only Completed or PartiallyFailed backups can be restored`,
        {
          hint: 'choose another backup (lifeboat backup get)',
        },
      );
    }
    return backup;
  }
  const schedule = source.schedule ?? '';
  const label = getValidLabelValue(schedule);
  const candidates: VeleroBackup[] = [];
  for (const name of await store.listBackupNames()) {
    const backup = await store.getBackup(name).catch(() => undefined);
    if (
      backup?.metadata.labels?.[VeleroLabels.scheduleName] === label &&
      backup.status.phase === 'Completed'
    ) {
      candidates.push(backup);
    }
  }
  candidates.sort((a, b) => (b.status.startTimestamp ?? '').localeCompare(a.status.startTimestamp ?? ''));
  const newest = candidates[0];
  if (newest === undefined) {
    throw new LifeboatError('NOT_FOUND', `schedule "${schedule}" has no Completed backup in this location`, {
      hint: 'list the backups with: lifeboat backup get',
    });
  }
  return newest;
}
