import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArchiveLimits,
  corruptArchive,
  parseItem,
  type SkippedEntries,
  spoolBackupArchive,
} from '../../archive/index.ts';
import { type BackupArchive, type PreparedItems, volumeEvidence } from '../../restore/index.ts';
import type { PodVolumeBackup } from '../../model/index.ts';
import type { BackupStore } from '../../store/index.ts';
import { podVolumeClaims as podVolumeClaimsOf, readPodVolumeBackups } from '../../podvolumes/index.ts';
import { openPreparedSpool } from './prepared-spool.ts';

/** A backup's archive read into a private temp dir, with room for its prepared items. */
export interface ExtractedBackup extends BackupArchive {
  /** Where the inventory keeps each item prepared (once), for the restorer, compare and verify. */
  prepared: PreparedItems;
  /** `<b>-podvolumebackups.json.gz`, checked entry by entry (Velero's or lifeboat's). */
  podVolumeBackups: PodVolumeBackup[];
  /** Entries of that file left out, and why: warnings of the restore. */
  podVolumeProblems: string[];
  remove(): Promise<void>;
}

/**
 * Downloads `<b>.tar.gz` and streams it once through the hardened reader into one spool file in a
 * private temp dir (items at classic paths only, read back by offset) under `limits`; reads the
 * volume sidecars. remove() closes and deletes the spool; it is also removed when this fails.
 */
export async function extractBackup(
  store: BackupStore,
  backupName: string,
  limits?: ArchiveLimits,
): Promise<ExtractedBackup> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-restore-'));
  let close = async () => {};
  const remove = async () => {
    try {
      await close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    const body = await store.getBackupContents(backupName);
    const spooled = await spoolBackupArchive(body, join(dir, 'items.spool'), limits);
    const prepared = await openPreparedSpool(join(dir, 'prepared.spool'));
    close = async () => {
      try {
        await spooled.close();
      } finally {
        await prepared.close();
      }
    };
    refuseSpecialEntries(spooled.skipped);
    const [volumeInfo, volumeSnapshots, csiVolumeSnapshots, podVolumes] = await Promise.all(
      (['volumeInfo', 'volumeSnapshots', 'csiVolumeSnapshots', 'podVolumeBackups'] as const).map((f) =>
        store.getVolumeFile(backupName, f).catch(() => undefined),
      ),
    );
    const { backups: podVolumeBackups, problems: podVolumeProblems } = readPodVolumeBackups(podVolumes);
    const podVolumeClaims = podVolumeClaimsOf(podVolumeBackups);
    return {
      catalog: spooled.catalog,
      volumes: volumeEvidence({ volumeInfo, volumeSnapshots, csiVolumeSnapshots, podVolumeClaims }),
      podVolumeBackups,
      podVolumeProblems,
      readItem: async (path) => parseItem(await spooled.read(path), path),
      itemBytes: (path) => spooled.sizeOf(path) ?? 0,
      prepared,
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}

/**
 * Velero's extractor ignores links and devices; lifeboat refuses such an archive outright, since
 * no writer of backups makes them: it is damaged or forged. Directories are harmless.
 */
function refuseSpecialEntries(skipped: SkippedEntries): void {
  const special = Object.entries(skipped.byType).filter(([type, n]) => type !== 'directory' && n > 0);
  if (special.length === 0) return;
  const what = special.map(([type, n]) => `${n} ${type}`).join(', ');
  const examples = skipped.examples
    .slice(0, 3)
    .map((e) => JSON.stringify(e))
    .join(', ');
  throw corruptArchive(
    `the backup archive holds entries that are not regular files (${what}; e.g. ${examples})`,
  );
}
