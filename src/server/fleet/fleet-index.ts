import { resolveLocation, type LifeboatConfig } from '../../config/index.ts';
import { clusterLocation, type ClusterScope } from '../../app/clusters/index.ts';
import { openStores } from '../../app/deps/index.ts';
import { type BackupRecord, toBackupRecord } from '../../app/sync/index.ts';
import { LifeboatError, redact } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';

/** One cluster's prefix in one location, as last listed. */
export interface PrefixState {
  cluster: string;
  location: string;
  available: boolean;
  message: string | undefined;
  lastSynced: string | undefined;
}

const key = (cluster: string, location: string) => `${cluster}\n${location}`;

/**
 * The backups under each fleet cluster's prefix, listed from the store (the source of truth, so a
 * replica that takes a cluster over knows its true last backups). velero-backup.json is read once per
 * backup; a backup gone from the store is dropped. A prefix that cannot be listed keeps what was
 * known and says why.
 */
export class FleetIndex {
  readonly #logger: Logger;
  readonly #records = new Map<string, Map<string, BackupRecord>>();
  /** Folders without velero-backup.json (being written, or left by a crash), per prefix. */
  readonly #unfinished = new Map<string, string[]>();
  readonly #states = new Map<string, PrefixState>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Lists every (cluster, location) given, 8 at a time; forgets the others. */
  async sync(
    config: LifeboatConfig,
    prefixes: readonly { scope: ClusterScope; location: string }[],
  ): Promise<void> {
    const wanted = new Set(prefixes.map((p) => key(p.scope.name, p.location)));
    for (const k of [...this.#records.keys()]) if (!wanted.has(k)) this.#records.delete(k);
    for (const k of [...this.#unfinished.keys()]) if (!wanted.has(k)) this.#unfinished.delete(k);
    for (const k of [...this.#states.keys()]) if (!wanted.has(k)) this.#states.delete(k);
    for (let i = 0; i < prefixes.length; i += 8)
      await Promise.all(prefixes.slice(i, i + 8).map((p) => this.#syncOne(config, p.scope, p.location)));
  }

  async #syncOne(config: LifeboatConfig, scope: ClusterScope, locationName: string): Promise<void> {
    const k = key(scope.name, locationName);
    const known = this.#records.get(k) ?? new Map<string, BackupRecord>();
    const state: PrefixState = {
      cluster: scope.name,
      location: locationName,
      available: false,
      message: undefined,
      lastSynced: this.#states.get(k)?.lastSynced,
    };
    try {
      const location = clusterLocation(resolveLocation(config, locationName), scope);
      const opened = await openStores(location, { logger: this.#logger, retry: { maxAttempts: 2 } });
      try {
        // A committed record is never rewritten: each folder's velero-backup.json is read until it exists.
        const folders = new Set(await opened.backupStore.listBackupFolders());
        for (const name of known.keys()) if (!folders.has(name)) known.delete(name);
        const unfinished: string[] = [];
        for (const name of folders) {
          if (known.has(name)) continue;
          const record = await opened.backupStore.getBackup(name).then(
            (b) => toBackupRecord(b, locationName),
            (err: unknown) => {
              if (err instanceof LifeboatError && err.code === 'NOT_FOUND') unfinished.push(name);
              return undefined;
            },
          );
          if (record !== undefined) known.set(name, record);
        }
        this.#unfinished.set(k, unfinished);
      } finally {
        await opened.close();
      }
      this.#records.set(k, known);
      Object.assign(state, { available: true, lastSynced: new Date().toISOString() });
    } catch (err) {
      state.message = redact(err instanceof Error ? err.message : String(err));
      this.#logger.warn(
        { cluster: scope.name, location: locationName },
        `listing the backups of cluster ${scope.name} in ${locationName} failed: ${state.message}`,
      );
    }
    this.#states.set(k, state);
  }

  /** The cluster's backups in the location, newest first. */
  backups(cluster: string, location: string): BackupRecord[] {
    return [...(this.#records.get(key(cluster, location))?.values() ?? [])].sort(
      (a, b) => (b.started?.getTime() ?? 0) - (a.started?.getTime() ?? 0),
    );
  }

  /** Every listed backup of every cluster, newest first. */
  all(): { cluster: string; record: BackupRecord }[] {
    const out: { cluster: string; record: BackupRecord }[] = [];
    for (const [k, records] of this.#records) {
      const cluster = k.slice(0, k.indexOf('\n'));
      for (const record of records.values()) out.push({ cluster, record });
    }
    return out.sort((a, b) => (b.record.started?.getTime() ?? 0) - (a.record.started?.getTime() ?? 0));
  }

  /** The cluster's backup of that name, in whichever of its locations it was listed. */
  find(cluster: string, name: string): BackupRecord | undefined {
    for (const [k, records] of this.#records)
      if (k.slice(0, k.indexOf('\n')) === cluster) {
        const found = records.get(name);
        if (found !== undefined) return found;
      }
    return undefined;
  }

  /** Records a backup this replica just wrote, without waiting for the next listing. */
  put(cluster: string, record: BackupRecord): void {
    const k = key(cluster, record.location);
    const m = this.#records.get(k) ?? new Map<string, BackupRecord>();
    m.set(record.name, record);
    this.#records.set(k, m);
  }

  /** The prefix's folders without velero-backup.json at the last listing. */
  unfinished(cluster: string, location: string): readonly string[] {
    return this.#unfinished.get(key(cluster, location)) ?? [];
  }

  /** Drops a backup this replica just deleted (GC), without waiting for the next listing. */
  forget(cluster: string, location: string, name: string): void {
    this.#records.get(key(cluster, location))?.delete(name);
  }

  /** Every (cluster, location) the last sync listed (or tried to). */
  prefixes(): { cluster: string; location: string }[] {
    return [...this.#states.values()].map((s) => ({ cluster: s.cluster, location: s.location }));
  }

  state(cluster: string, location: string): PrefixState | undefined {
    return this.#states.get(key(cluster, location));
  }
}
