import { type BackupTemplate, type LifeboatConfig, resolveLocation } from '../../config/index.ts';
import { runBackup } from '../../app/backup/index.ts';
import { profileExtension } from '../../app/profile/index.ts';
import { findSchedule, templateRequest } from '../../app/schedules/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import { nullObject } from '../../model/index.ts';
import type { Logger } from '../../log/index.ts';
import type { Scheduler } from '../scheduler.ts';
import type { FleetRuntime } from './fleet.ts';

/** What a cluster backup asked of the API needs of the running server. */
export interface ClusterBackupContext {
  configPath: string | undefined;
  logger: Logger;
  config: () => LifeboatConfig;
  scheduler: Scheduler;
  fleet: FleetRuntime;
  replica: string;
  leader: () => { isLeader: boolean; holder: string | undefined };
}

/** POST /api/v1/backups with `cluster`: a schedule's run now for that cluster, or an ad-hoc backup of it. */
export interface ClusterBackupBody {
  cluster: string;
  schedule?: string | undefined;
  name?: string | undefined;
  storageLocation?: string | undefined;
  ttl?: string | undefined;
  template?: BackupTemplate | undefined;
}

const stamp = (d: Date) => d.toISOString().slice(0, 19).replace(/[-T:]/g, '');

/**
 * A backup of one fleet cluster, asked of the API. It runs only on the replica holding the
 * cluster's lease (without per-cluster Leases: the leader), fenced right before it writes like any
 * slot, under a name fixed when it is accepted and claimed create-only in the store: a request runs
 * at most once, wherever it was sent. Another replica answers 503 naming the owner; a name that is
 * not a cluster of the fleet is 404.
 */
export function submitClusterBackup(
  ctx: ClusterBackupContext,
  body: ClusterBackupBody,
): { name: string; cluster: string; schedule?: string } {
  const fleet = ctx.fleet;
  const cluster = fleet.registry.find(body.cluster);
  if (cluster === undefined)
    throw new LifeboatError('NOT_FOUND', `no cluster named '${body.cluster}' in the fleet`, {
      hint: 'list the fleet’s clusters: GET /api/v1/clusters',
    });
  if (!ctx.scheduler.running)
    throw new LifeboatError('UNREACHABLE', 'the server is shutting down', { details: { status: 503 } });
  const owns = fleet.leases === undefined ? ctx.leader().isLeader : fleet.owned().has(cluster.name);
  if (!owns) {
    const owner = fleet.leases?.holder(cluster.name) ?? ctx.leader().holder;
    throw new LifeboatError(
      'UNREACHABLE',
      `cluster ${cluster.name} is owned by ${owner === undefined ? 'no replica yet' : `replica ${owner}`}, not by this one (${ctx.replica})`,
      {
        hint: 'send the request to the replica that owns the cluster (GET /api/v1/clusters names each owner), or retry once its lease is taken',
        details: { status: 503 },
      },
    );
  }
  const config = ctx.config();
  if (body.schedule !== undefined) {
    const s = findSchedule(config, body.schedule);
    const r = ctx.scheduler.trigger(s, new Date(), cluster.name);
    if (!r.started || r.name === undefined)
      throw new LifeboatError(
        'CONFLICT',
        `schedule ${s.name} for cluster ${cluster.name}: ${r.reason ?? 'not started'}`,
        {
          hint: 'wait for the running backup to finish',
        },
      );
    return { name: r.name, cluster: cluster.name, schedule: s.name };
  }
  const location = resolveLocation(config, body.storageLocation ?? fleet.scope(cluster.name).location).name;
  const name = body.name ?? `backup-${cluster.name.slice(0, 40).replace(/-+$/, '')}-${stamp(new Date())}`;
  const key = `cluster/${cluster.name}/adhoc/${name}`;
  if (ctx.scheduler.isActive(key))
    throw new LifeboatError('CONFLICT', `backup ${name} of cluster ${cluster.name} is already running`);
  const t = body.template ?? {};
  ctx.scheduler.submit(key, {
    schedule: undefined,
    cluster: cluster.name,
    location: `cluster/${cluster.name}`,
    name: () => name,
    check: (n) => fleet.checkName(cluster.name, location, n),
    run: (_at, signal) =>
      runBackup(
        {
          name,
          ...templateRequest(t),
          cluster: fleet.scope(cluster.name),
          writer: fleet.identity,
          storageLocation: location,
          ttl: body.ttl ?? '720h',
          labels: t.labels ?? nullObject(),
          kube: fleet.registry.find(cluster.name)?.target ?? cluster.target,
          configPath: ctx.configPath,
        },
        { logger: ctx.logger, signal, extensions: [profileExtension([])] },
      ),
  });
  return { name, cluster: cluster.name };
}
