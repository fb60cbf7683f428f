import type { FastifyInstance } from 'fastify';
import type { BackupRecord } from '../../app/sync/index.ts';
import type { ServerContext } from '../context.ts';
import { submitBackup } from './actions.ts';
import { badRequest, BackupBody, BackupListQuery } from './api-bodies.ts';
import { BACKUP_ROOTS, backupNotFound, type BackupParams, backupTarget, OWN } from './backup-target.ts';
import { on } from './route-access.ts';

/**
 * /api/v1/backups: the server's own synced backups (running ones first) and every fleet cluster's
 * backups listed under its prefix, each of those naming its `cluster`; `?cluster=NAME` keeps one
 * cluster's (`-`: the server's own). POST starts one. GET of one item is under both roots.
 */
export function backupRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/backups', on('backups'), async (req, reply) => {
    const q = BackupListQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error));
    const { location, schedule, cluster } = q.data;
    const running = ctx.scheduler
      .active()
      .filter(
        (r) =>
          (location ?? r.location) === r.location &&
          (schedule ?? r.schedule) === r.schedule &&
          (cluster === undefined || cluster === (r.cluster ?? OWN)),
      )
      .map((r) => ({
        name: r.name,
        location: r.location,
        schedule: r.schedule,
        cluster: r.cluster,
        phase: r.state === 'running' ? 'InProgress' : 'New',
        started: r.started.toISOString(),
      }));
    const own =
      cluster === undefined || cluster === OWN
        ? ctx.index.backups(location).map((b) => recordJson(b, undefined))
        : [];
    const fleet = ctx.fleet.index
      .all()
      .filter(
        (b) => (cluster ?? b.cluster) === b.cluster && (location ?? b.record.location) === b.record.location,
      )
      .map((b) => recordJson(b.record, b.cluster));
    const stored = [...own, ...fleet].filter((b) => schedule === undefined || b.schedule === schedule);
    const isRunning = (b: { name: string; cluster?: string | undefined }) =>
      running.some((r) => r.name === b.name && r.cluster === b.cluster);
    return { items: [...running, ...stored.filter((b) => !isRunning(b))] };
  });
  for (const root of BACKUP_ROOTS)
    app.get<{ Params: BackupParams }>(`${root}/:name`, on('backups'), async (req, reply) => {
      const found = backupTarget(ctx, req.params);
      if (found !== undefined) return recordJson(found.record, found.cluster);
      const run = ctx.scheduler
        .active()
        .find((r) => r.name === req.params.name && r.cluster === req.params.cluster);
      if (run !== undefined)
        return {
          name: run.name,
          location: run.location,
          schedule: run.schedule,
          cluster: run.cluster,
          phase: 'InProgress',
          started: run.started.toISOString(),
        };
      return backupNotFound(reply, req.params);
    });
  app.post('/api/v1/backups', on('backups'), async (req, reply) => {
    const body = BackupBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send(badRequest(body.error));
    return reply.code(202).send({ ...submitBackup(ctx, body.data), phase: 'InProgress' });
  });
}

/** A stored backup as the API lists it: `cluster` is the fleet cluster it belongs to (absent: the server's own). */
function recordJson(r: BackupRecord, cluster: string | undefined) {
  return {
    name: r.name,
    location: r.location,
    schedule: r.schedule,
    cluster,
    clusterUid: r.cluster,
    phase: r.phase ?? 'Unknown',
    started: r.started?.toISOString(),
    completed: r.completed?.toISOString(),
    expiration: r.expiration?.toISOString(),
    items: r.items,
    errors: r.errors,
    warnings: r.warnings,
    failureReason: r.failureReason,
    problem: r.problem,
  };
}
