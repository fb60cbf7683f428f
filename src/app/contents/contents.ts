import type { Readable } from 'node:stream';
import { stringify } from 'yaml';
import { parseItem, readBackupArchive } from '../../archive/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import { type LocationQuery, withLocation } from '../deps/index.ts';
import { maskItem } from './mask.ts';

/** A query of a location's backups (at a fleet cluster's prefix with `cluster`). */
export type ContentsQuery = LocationQuery;

/** Item names per group-resource, cluster-scoped items apart and namespaced ones per namespace. */
export interface BackupTree {
  cluster: Map<string, string[]>;
  namespaces: Map<string, Map<string, string[]>>;
  /** Items at classic paths. */
  items: number;
}

export interface ItemRef {
  groupResource: string;
  namespace?: string | undefined;
  name: string;
}

export interface MaskedItem extends ItemRef {
  /** The stored object as YAML, Secret values masked. */
  yaml: string;
  masked: boolean;
}

/** At most this many items are listed per backup (a hostile archive could name millions). */
const MAX_LISTED = 200_000;

async function withArchive<T>(
  q: ContentsQuery,
  backup: string,
  read: (body: Readable) => Promise<T>,
): Promise<T> {
  return withLocation(q, async (opened) => {
    const body = await opened.backupStore.getBackupContents(backup);
    try {
      return await read(body);
    } finally {
      body.destroy();
    }
  });
}

/** Every item of the backup's tarball (classic paths), by namespace and resource, names sorted. */
export function backupTree(q: ContentsQuery, backup: string): Promise<BackupTree> {
  return withArchive(q, backup, async (body) => {
    const tree: BackupTree = { cluster: new Map(), namespaces: new Map(), items: 0 };
    for await (const entry of readBackupArchive(body)) {
      const p = entry.parsed;
      if (p.kind !== 'item' || p.versionDir !== undefined || tree.items >= MAX_LISTED) continue;
      let byResource = tree.cluster;
      if (p.namespace !== undefined) {
        byResource = tree.namespaces.get(p.namespace) ?? new Map<string, string[]>();
        tree.namespaces.set(p.namespace, byResource);
      }
      const names = byResource.get(p.groupResource) ?? [];
      names.push(p.name);
      byResource.set(p.groupResource, names);
      tree.items++;
    }
    for (const names of tree.cluster.values()) names.sort();
    for (const ns of tree.namespaces.values()) for (const names of ns.values()) names.sort();
    return tree;
  });
}

/** One item of the backup as YAML; a Secret's values are masked before it leaves this function. */
export function readBackupItem(q: ContentsQuery, backup: string, ref: ItemRef): Promise<MaskedItem> {
  return withArchive(q, backup, async (body) => {
    for await (const entry of readBackupArchive(body)) {
      const p = entry.parsed;
      if (p.kind !== 'item' || p.versionDir !== undefined) continue;
      if (p.groupResource !== ref.groupResource || p.name !== ref.name) continue;
      if ((p.namespace ?? '') !== (ref.namespace ?? '')) continue;
      const item = parseItem(entry.data, entry.path);
      const shown = maskItem(item, p.groupResource);
      return { ...ref, yaml: stringify(shown), masked: shown !== item };
    }
    const where = ref.namespace === undefined ? '' : ` in namespace ${ref.namespace}`;
    throw new LifeboatError(
      'NOT_FOUND',
      `backup ${backup} holds no ${ref.groupResource} ${ref.name}${where}`,
      {
        hint: 'pick an item from the backup contents listing',
      },
    );
  });
}
