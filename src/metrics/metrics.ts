import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** lifeboat's Prometheus metrics, in one registry per server (so tests can run several). */
export interface LifeboatMetrics {
  registry: Registry;
  /** Runs by schedule ("" for ad-hoc), fleet cluster (absent: the server's own) and status: Completed, PartiallyFailed, Failed, Skipped. */
  backupTotal: Counter<'schedule' | 'status' | 'cluster'>;
  backupDuration: Histogram<'schedule'>;
  lastSuccessfulTimestamp: Gauge<'schedule' | 'cluster'>;
  backupItems: Gauge<'schedule'>;
  /** Age of the schedule's recovery point (newest Completed backup), in seconds. */
  rpoSeconds: Gauge<'schedule' | 'cluster'>;
  /** 1 when the schedule's RPO is breached, else 0. */
  rpoBreached: Gauge<'schedule' | 'cluster'>;
  /** Clusters in the fleet (configured and discovered). */
  fleetClusters: Gauge;
  /** Clusters whose scheduled work this replica owns (its Leases). */
  clusterOwned: Gauge<'replica'>;
  /** 1 when the fleet cluster answered its last probe, else 0. */
  clusterReachable: Gauge<'cluster'>;
  restoreTotal: Counter<'status'>;
  storeRequestErrors: Counter<'location' | 'operation'>;
}

export function createMetrics(): LifeboatMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    backupTotal: new Counter({
      name: 'lifeboat_backup_total',
      help: 'Backup runs by schedule and status (Completed, PartiallyFailed, Failed, Skipped)',
      labelNames: ['schedule', 'status', 'cluster'],
      registers,
    }),
    backupDuration: new Histogram({
      name: 'lifeboat_backup_duration_seconds',
      help: 'Duration of backup runs',
      labelNames: ['schedule'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600, 7200],
      registers,
    }),
    lastSuccessfulTimestamp: new Gauge({
      name: 'lifeboat_backup_last_successful_timestamp_seconds',
      help: 'Completion time of the newest Completed backup of the schedule (per fleet cluster) (Unix seconds)',
      labelNames: ['schedule', 'cluster'],
      registers,
    }),
    backupItems: new Gauge({
      name: 'lifeboat_backup_items',
      help: 'Items in the newest backup of the schedule',
      labelNames: ['schedule'],
      registers,
    }),
    rpoSeconds: new Gauge({
      name: 'lifeboat_rpo_seconds',
      help: 'Age of the recovery point: seconds since the newest Completed backup of the schedule started',
      labelNames: ['schedule', 'cluster'],
      registers,
    }),
    rpoBreached: new Gauge({
      name: 'lifeboat_rpo_breached',
      help: '1 when the schedule has no Completed backup within its recovery-point objective',
      labelNames: ['schedule', 'cluster'],
      registers,
    }),
    fleetClusters: new Gauge({
      name: 'lifeboat_fleet_clusters',
      help: 'Clusters in the fleet (configured and discovered)',
      registers,
    }),
    clusterOwned: new Gauge({
      name: 'lifeboat_cluster_owned',
      help: 'Clusters whose scheduled backups this replica owns through their Leases',
      labelNames: ['replica'],
      registers,
    }),
    clusterReachable: new Gauge({
      name: 'lifeboat_cluster_reachable',
      help: '1 when the fleet cluster answered its last probe, else 0',
      labelNames: ['cluster'],
      registers,
    }),
    restoreTotal: new Counter({
      name: 'lifeboat_restore_total',
      help: 'Restores by status',
      labelNames: ['status'],
      registers,
    }),
    storeRequestErrors: new Counter({
      name: 'lifeboat_store_request_errors_total',
      help: 'Failed object-store operations by location and operation (sync, backup, gc, recovery)',
      labelNames: ['location', 'operation'],
      registers,
    }),
  };
}
