import { type ArchiveCatalog, type CatalogItem, unreadableItemPath } from '../../archive/index.ts';
import { type KubeObject, nullObject } from '../../model/index.ts';
import {
  decidePv,
  type PreparedItem,
  type PreparedItems,
  type PrepareContext,
  prepareItem,
  type VolumeEvidence,
} from '../apply/index.ts';
import type { ItemFacts } from '../plan/index.ts';
import { itemFacts, pathMismatch } from './facts.ts';
import { readAhead } from './read-ahead.ts';

/** A backup's archive as the inventory reads it: its catalogue, volume evidence and items by path. */
export interface BackupArchive {
  catalog: ArchiveCatalog;
  volumes: VolumeEvidence;
  readItem: (path: string) => Promise<KubeObject>;
  /** Stored bytes of the item at a classic path (0 for an unknown path). */
  itemBytes: (path: string) => number;
}

/**
 * Reads every item once (checking it is a Kubernetes object that matches its path) and keeps its
 * facts for the plan. An item that cannot be read (not JSON, not an object, nested too deep) or
 * that disagrees with its path is kept as a refused fact: the plan reports it as an error of the
 * restore if it is selected, and the rest is restored. Reads run a few items ahead, bounded in count
 * and bytes; labels are kept only when `keepLabels` (a label selector needs them). Each item is
 * prepared here, once: what is to be restored is kept in `prepared` (by path) for the restorer.
 */
export async function inventory(
  archive: BackupArchive,
  context: PrepareContext,
  options: { keepLabels?: boolean; prepared?: PreparedItems } = {},
): Promise<Map<string, ItemFacts[]>> {
  const namespaceMapping = context.namespaceMapping;
  const facts = new Map<string, ItemFacts[]>();
  for (const groupResource of archive.catalog.resources()) {
    const list: ItemFacts[] = [];
    const versionDirs = archive.catalog.versionDirs(groupResource);
    for await (const [entry, read] of readAhead(
      archive.catalog.items(groupResource),
      readOrWhy(archive.readItem),
      archive.itemBytes,
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
          ? await prepareFacts(read.item, entry, target, context, options)
          : refusedFacts(entry, `backup item ${JSON.stringify(entry.path)} ${mismatch}`, read.item),
      );
    }
    if (list.length > 0) facts.set(groupResource, list);
  }
  return facts;
}

/** The item prepared for the target (kept when it is to be restored) and its facts; a failure refuses it. */
async function prepareFacts(
  item: KubeObject,
  entry: CatalogItem,
  target: string | undefined,
  context: PrepareContext,
  options: { keepLabels?: boolean; prepared?: PreparedItems },
): Promise<ItemFacts> {
  let prepared: PreparedItem;
  let facts: ItemFacts;
  try {
    prepared = prepareItem(item, entry.groupResource, target, context);
    facts = itemFacts(item, entry, prepared, options.keepLabels ?? true);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return refusedFacts(entry, `backup item ${JSON.stringify(entry.path)} cannot be prepared: ${why}`, item);
  }
  if (prepared.skip === undefined) await options.prepared?.keep(entry.path, prepared);
  return facts;
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
export async function pvsToProvision(archive: BackupArchive): Promise<Set<string>> {
  const out = new Set<string>();
  for (const entry of archive.catalog.items('persistentvolumes')) {
    let pv: KubeObject;
    try {
      pv = await archive.readItem(entry.path);
    } catch (err) {
      if (unreadableItemPath(err) === entry.path) continue;
      throw err;
    }
    if (decidePv(pv, archive.volumes).kind === 'provision') out.add(pv.metadata.name);
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
