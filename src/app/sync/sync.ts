import { loadConfig, resolveLocation, type LifeboatConfig } from '../../config/index.ts';
import { redact } from '../../errors/index.ts';
import { runBounded } from '../../concurrency/index.ts';
import type { Logger } from '../../log/index.ts';
import { LifeboatLabels, type Location, type VeleroBackup, VeleroLabels } from '../../model/index.ts';
import { openLocation } from '../deps/index.ts';

/** One backup as listed from a location's velero-backup.json (the object store is the source of truth). */
export interface BackupRecord {
  name: string;
  location: string;
  schedule: string | undefined;
  /** The source cluster's identity (lifeboat.io/cluster-uid); undefined for Velero-made and older backups. */
  cluster: string | undefined;
  phase: string | undefined;
  started: Date | undefined;
  completed: Date | undefined;
  expiration: Date | undefined;
  items: number | undefined;
  errors: number;
  warnings: number;
  failureReason: string | undefined;
  /** Set when velero-backup.json could not be read. */
  problem?: string;
}

export interface LocationSyncState {
  name: string;
  provider: string;
  accessMode: string;
  available: boolean;
  message: string | undefined;
  lastSynced: string | undefined;
  backups: number;
}

const date = (text: string | undefined) => (text === undefined ? undefined : new Date(text));

export function toBackupRecord(backup: VeleroBackup, location: string): BackupRecord {
  const s = backup.status;
  return {
    name: backup.metadata.name,
    location,
    schedule: backup.metadata.labels?.[VeleroLabels.scheduleName],
    cluster: backupClusterUid(backup),
    phase: s.phase,
    started: date(s.startTimestamp ?? backup.metadata.creationTimestamp),
    completed: date(s.completionTimestamp),
    expiration: date(s.expiration),
    items: s.progress?.itemsBackedUp,
    errors: s.errors ?? 0,
    warnings: s.warnings ?? 0,
    failureReason: s.failureReason,
  };
}

/** The source cluster's identity a backup records (annotation, else label), if any. */
export function backupClusterUid(backup: VeleroBackup): string | undefined {
  const key = LifeboatLabels.clusterUid;
  const value = backup.metadata.annotations?.[key] ?? backup.metadata.labels?.[key];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * True when a backup is this cluster's to act on (its last run, its RPO): it records this
 * cluster's identity, or none (Velero-made or older backups, which name no other cluster).
 */
export function ofCluster(record: { cluster: string | undefined }, cluster: string | undefined): boolean {
  return cluster === undefined || record.cluster === undefined || record.cluster === cluster;
}

/** The configured locations, or the embedded default one when none is configured. */
export function configuredLocations(config: LifeboatConfig): Location[] {
  return config.locations.length > 0 ? config.locations : [resolveLocation(config)];
}

/**
 * Backup sync (spec §6.4 without cluster state): every location's backups, listed from the store.
 * velero-backup.json is read once per backup (a committed backup does not change); backups gone
 * from the store are dropped, new ones — written by Velero or another lifeboat — appear.
 */
export class BackupIndex {
  readonly #configPath: string | undefined;
  readonly #logger: Logger;
  readonly #onError: ((location: string, err: unknown) => void) | undefined;
  readonly #backups = new Map<string, Map<string, BackupRecord>>();
  readonly #states = new Map<string, LocationSyncState>();

  constructor(options: {
    configPath: string | undefined;
    logger: Logger;
    onError?: (location: string, err: unknown) => void;
  }) {
    this.#configPath = options.configPath;
    this.#logger = options.logger;
    this.#onError = options.onError;
  }

  /** Syncs every configured location (one failing location does not stop the others). */
  async syncAll(): Promise<LocationSyncState[]> {
    const config = await loadConfig(this.#configPath);
    const locations = configuredLocations(config);
    for (const name of [...this.#states.keys()])
      if (!locations.some((l) => l.name === name)) {
        this.#states.delete(name);
        this.#backups.delete(name);
      }
    await Promise.all(locations.map((l) => this.syncLocation(l)));
    return this.locations();
  }

  async syncLocation(location: Location): Promise<void> {
    const known = this.#backups.get(location.name) ?? new Map<string, BackupRecord>();
    const state: LocationSyncState = {
      name: location.name,
      provider: location.provider,
      accessMode: location.accessMode,
      available: false,
      message: undefined,
      lastSynced: this.#states.get(location.name)?.lastSynced,
      backups: known.size,
    };
    try {
      const opened = await openLocation(this.#configPath, location.name, this.#logger);
      try {
        const names = new Set(await opened.backupStore.listBackupNames());
        for (const name of known.keys()) if (!names.has(name)) known.delete(name);
        const fresh = [...names].filter((n) => !known.has(n) || known.get(n)?.problem !== undefined);
        await runBounded(
          fresh,
          16,
          () => false,
          async (name) => {
            known.set(name, await this.#read(opened.backupStore, name, location.name));
          },
        );
      } finally {
        await opened.close();
      }
      this.#backups.set(location.name, known);
      Object.assign(state, { available: true, lastSynced: new Date().toISOString(), backups: known.size });
    } catch (err) {
      state.message = redact(err instanceof Error ? err.message : String(err));
      this.#logger.warn(
        { location: location.name, err },
        `sync of location ${location.name} failed: ${state.message}`,
      );
      this.#onError?.(location.name, err);
    }
    this.#states.set(location.name, state);
  }

  async #read(
    store: { getBackup(name: string): Promise<VeleroBackup> },
    name: string,
    location: string,
  ): Promise<BackupRecord> {
    try {
      return toBackupRecord(await store.getBackup(name), location);
    } catch (err) {
      return {
        name,
        location,
        schedule: undefined,
        cluster: undefined,
        phase: undefined,
        started: undefined,
        completed: undefined,
        expiration: undefined,
        items: undefined,
        errors: 0,
        warnings: 0,
        failureReason: undefined,
        problem: err instanceof Error ? err.message : String(err),
      };
    }
  }

  /** Every known backup, newest first; optionally of one location. */
  backups(location?: string): BackupRecord[] {
    const all = [...this.#backups.entries()]
      .filter(([l]) => location === undefined || l === location)
      .flatMap(([, m]) => [...m.values()]);
    return all.sort(
      (a, b) => (b.started?.getTime() ?? 0) - (a.started?.getTime() ?? 0) || a.name.localeCompare(b.name),
    );
  }

  find(name: string, location?: string): BackupRecord | undefined {
    return this.backups(location).find((b) => b.name === name);
  }

  /** Records a backup this process just wrote (or learnt about) without waiting for the next sync. */
  put(record: BackupRecord): void {
    const m = this.#backups.get(record.location) ?? new Map<string, BackupRecord>();
    m.set(record.name, record);
    this.#backups.set(record.location, m);
  }

  forget(location: string, name: string): void {
    this.#backups.get(location)?.delete(name);
  }

  locations(): LocationSyncState[] {
    return [...this.#states.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** True once every configured location was synced at least once. */
  synced(): boolean {
    return this.#states.size > 0 && [...this.#states.values()].every((s) => s.lastSynced !== undefined);
  }
}
