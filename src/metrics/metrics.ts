import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** lifeboat's Prometheus metrics, in one registry per server (so tests can run several). */
export interface LifeboatMetrics {
  registry: Registry;
  /** Runs by schedule ("" for ad-hoc) and status: Completed, PartiallyFailed, Failed, Skipped. */
  backupTotal: Counter<'schedule' | 'status'>;
  backupDuration: Histogram<'schedule'>;
  lastSuccessfulTimestamp: Gauge<'schedule'>;
  backupItems: Gauge<'schedule'>;
  /** Age of the schedule's recovery point (newest Completed backup), in seconds. */
  rpoSeconds: Gauge<'schedule'>;
  /** 1 when the schedule's RPO is breached, else 0. */
  rpoBreached: Gauge<'schedule'>;
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
      labelNames: ['schedule', 'status'],
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
      help: 'Completion time of the newest Completed backup of the schedule (Unix seconds)',
      labelNames: ['schedule'],
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
      labelNames: ['schedule'],
      registers,
    }),
    rpoBreached: new Gauge({
      name: 'lifeboat_rpo_breached',
      help: '1 when the schedule has no Completed backup within its recovery-point objective',
      labelNames: ['schedule'],
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
