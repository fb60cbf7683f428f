import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArchiveCatalog,
  type ArchiveLimits,
  type CatalogItem,
  corruptArchive,
  parseItem,
  type SkippedEntries,
  spoolBackupArchive,
  unreadableItemPath,
} from '../../archive/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import {
  getValidLabelValue,
  type KubeObject,
  nullObject,
  type VeleroBackup,
  VeleroLabels,
} from '../../model/index.ts';
import {
  decidePv,
  itemFacts,
  type ItemFacts,
  pathMismatch,
  type PrepareContext,
  prepareItem,
  volumeEvidence,
  type VolumeEvidence,
} from '../../restore/index.ts';
import type { BackupStore } from '../../store/index.ts';
import { readAhead } from './read-ahead.ts';

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

export interface ExtractedBackup {
  catalog: ArchiveCatalog;
  volumes: VolumeEvidence;
  readItem: (path: string) => Promise<KubeObject>;
  /** Stored bytes of the item at a classic path (0 for an unknown path). */
  itemBytes: (path: string) => number;
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
    close = () => spooled.close();
    refuseSpecialEntries(spooled.skipped);
    const [volumeInfo, volumeSnapshots, csiVolumeSnapshots] = await Promise.all(
      (['volumeInfo', 'volumeSnapshots', 'csiVolumeSnapshots'] as const).map((f) =>
        store.getVolumeFile(backupName, f).catch(() => undefined),
      ),
    );
    return {
      catalog: spooled.catalog,
      volumes: volumeEvidence({ volumeInfo, volumeSnapshots, csiVolumeSnapshots }),
      readItem: async (path) => parseItem(await spooled.read(path), path),
      itemBytes: (path) => spooled.sizeOf(path) ?? 0,
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}

/**
 * Reads every item once (checking it is a Kubernetes object that matches its path) and keeps its
 * facts for the plan. An item that cannot be read (not JSON, not an object, nested too deep) or
 * that disagrees with its path is kept as a refused fact: the plan reports it as an error of the
 * restore if it is selected, and the rest is restored. Reads run a few items ahead, bounded in count and bytes; labels are kept
 * only when `keepLabels` (a label selector needs them).
 */
export async function inventory(
  extracted: ExtractedBackup,
  context: PrepareContext,
  namespaceMapping: ReadonlyMap<string, string>,
  keepLabels = true,
): Promise<Map<string, ItemFacts[]>> {
  const facts = new Map<string, ItemFacts[]>();
  for (const groupResource of extracted.catalog.resources()) {
    const list: ItemFacts[] = [];
    const versionDirs = extracted.catalog.versionDirs(groupResource);
    for await (const [entry, read] of readAhead(
      extracted.catalog.items(groupResource),
      readOrWhy(extracted.readItem),
      extracted.itemBytes,
    )) {
      if ('error' in read) {
        list.push(refusedFacts(entry, read.error));
        continue;
      }
      const mismatch = pathMismatch(read.item, entry, versionDirs);
      const target =
        entry.namespace === undefined
          ? undefined
          : (namespaceMapping.get(entry.namespace) ?? entry.namespace);
      list.push(
        mismatch === undefined
          ? prepareFacts(read.item, entry, target, context, keepLabels)
          : refusedFacts(entry, `backup item ${JSON.stringify(entry.path)} ${mismatch}`, read.item),
      );
    }
    if (list.length > 0) facts.set(groupResource, list);
  }
  return facts;
}

function prepareFacts(
  item: KubeObject,
  entry: CatalogItem,
  target: string | undefined,
  context: PrepareContext,
  keepLabels: boolean,
): ItemFacts {
  try {
    return itemFacts(item, entry, prepareItem(item, entry.groupResource, target, context), keepLabels);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return refusedFacts(entry, `backup item ${JSON.stringify(entry.path)} cannot be prepared: ${why}`, item);
  }
}

/** The facts of a refused item: its path's, plus its apiVersion and kind when it could be read. */
function refusedFacts(entry: CatalogItem, why: string, item?: KubeObject): ItemFacts {
  const f: ItemFacts = {
    groupResource: entry.groupResource,
    name: entry.name,
    path: entry.path,
    apiVersion: item?.apiVersion ?? '',
    kind: item?.kind ?? '',
    labels: nullObject(),
    additionalItems: [],
    restoreStatus: false,
    refused: why,
  };
  if (entry.namespace !== undefined) f.namespace = entry.namespace;
  return f;
}

type Read = { item: KubeObject } | { error: string };

/** A reader that answers why an item file is unreadable instead of failing; other failures still throw. */
function readOrWhy(read: (path: string) => Promise<KubeObject>): (path: string) => Promise<Read> {
  return (path) =>
    read(path).then(
      (item): Read => ({ item }),
      (err: unknown): Read => {
        if (unreadableItemPath(err) !== path) throw err;
        return { error: (err as Error).message };
      },
    );
}

/**
 * PVs left to dynamic provisioning, decided from the backed-up PVs and the volume evidence. An
 * unreadable PV is not provisioned here; the inventory refuses it.
 */
export async function pvsToProvision(extracted: ExtractedBackup): Promise<Set<string>> {
  const out = new Set<string>();
  for (const entry of extracted.catalog.items('persistentvolumes')) {
    let pv: KubeObject;
    try {
      pv = await extracted.readItem(entry.path);
    } catch (err) {
      if (unreadableItemPath(err) === entry.path) continue;
      throw err;
    }
    if (decidePv(pv, extracted.volumes).kind === 'provision') out.add(pv.metadata.name);
  }
  return out;
}

/** ServiceAccount names per original namespace (from the archive's paths). */
export function serviceAccountNames(catalog: ArchiveCatalog): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const entry of catalog.items('serviceaccounts')) {
    if (entry.namespace === undefined) continue;
    const set = out.get(entry.namespace) ?? new Set<string>();
    set.add(entry.name);
    out.set(entry.namespace, set);
  }
  return out;
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
