import type { FastifyInstance } from 'fastify';
import type { BackupRecord } from '../../app/sync/index.ts';
import type { ServerContext } from '../context.ts';
import { submitBackup } from './actions.ts';
import { badRequest, BackupBody, ListQuery } from './api-bodies.ts';
import { on } from './route-access.ts';

/** /api/v1/backups: the synced backups with the running ones first; POST starts one. */
export function backupRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/backups', on('backups'), async (req, reply) => {
    const q = ListQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error));
    const running = ctx.scheduler
      .active()
      .filter(
        (r) =>
          (q.data.location ?? r.location) === r.location && (q.data.schedule ?? r.schedule) === r.schedule,
      )
      .map((r) => ({
        name: r.name,
        location: r.location,
        schedule: r.schedule,
        phase: r.state === 'running' ? 'InProgress' : 'New',
        started: r.started.toISOString(),
      }));
    const stored = ctx.index
      .backups(q.data.location)
      .filter((b) => q.data.schedule === undefined || b.schedule === q.data.schedule)
      .map(recordJson);
    return { items: [...running, ...stored.filter((b) => !running.some((r) => r.name === b.name))] };
  });
  app.get<{ Params: { name: string } }>('/api/v1/backups/:name', on('backups'), async (req, reply) => {
    const found = ctx.index.find(req.params.name);
    if (found !== undefined) return recordJson(found);
    const run = ctx.scheduler.active().find((r) => r.name === req.params.name);
    if (run !== undefined)
      return {
        name: run.name,
        location: run.location,
        schedule: run.schedule,
        phase: 'InProgress',
        started: run.started.toISOString(),
      };
    return reply.code(404).send({ error: 'NOT_FOUND', message: `backup ${req.params.name} not found` });
  });
  app.post('/api/v1/backups', on('backups'), async (req, reply) => {
    const body = BackupBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send(badRequest(body.error));
    return reply.code(202).send({ ...submitBackup(ctx, body.data), phase: 'InProgress' });
  });
}

function recordJson(r: BackupRecord) {
  return {
    name: r.name,
    location: r.location,
    schedule: r.schedule,
    cluster: r.cluster,
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
