import type { LifeboatConfig } from '../config/index.ts';
import type { BackupRequest } from '../app/backup/index.ts';
import type { BackupIndex } from '../app/sync/index.ts';
import type { Logger } from '../log/index.ts';
import type { LifeboatMetrics } from '../metrics/index.ts';
import type { Scheduler, SkippedRun } from './scheduler.ts';
import type { FleetRuntime } from './fleet/index.ts';

type KubeTarget = BackupRequest['kube'];

/** What the HTTP API reads from the running server. */
export interface ServerContext {
  configPath: string | undefined;
  kube: KubeTarget;
  logger: Logger;
  metrics: LifeboatMetrics;
  index: BackupIndex;
  scheduler: Scheduler;
  config: () => LifeboatConfig;
  /** Re-reads the config file (kept as it was when the file is invalid). */
  refreshConfig: () => Promise<void>;
  startedAt: Date;
  /** Runs skipped because the previous one was still on, newest last (bounded). */
  skipped: () => readonly SkippedRun[];
  leader: () => {
    elected: boolean;
    isLeader: boolean;
    identity: string | undefined;
    holder: string | undefined;
  };
  ready: () => boolean;
  alive: () => boolean;
  restoreEnabled: boolean;
  /** Restores running in the background, by name. */
  restoring: Map<
    string,
    {
      backup: string;
      /** The fleet cluster whose backup it restores (absent: the server's own). */
      cluster?: string | undefined;
      started: string;
      step?: string;
      done?: number;
      total?: number;
      failed?: number;
    }
  >;
  restoreKube: KubeTarget;
  /** The identity (kube-system UID) of the cluster the server backs up, once read; GC and recovery act on its backups only. */
  cluster: () => string | undefined;
  /** The fleet's clusters, their owners and backups. */
  fleet: FleetRuntime;
  /** This replica's identity (per-cluster Leases). */
  replica: string;
}
