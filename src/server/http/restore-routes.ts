import type { FastifyInstance } from 'fastify';
import { listRestores } from '../../app/restore/index.ts';
import type { ServerContext } from '../context.ts';
import { restoresInProgress, startRestore } from './actions.ts';
import { badRequest, ListQuery, RestoreBody } from './api-bodies.ts';
import { on } from './route-access.ts';

/** /api/v1/restores: the running and stored restores; POST runs one (a dry run answers with its plan). */
export function restoreRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/restores', on('restores'), async (req, reply) => {
    const q = ListQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error));
    const stored = await listRestores({
      configPath: ctx.configPath,
      location: q.data.location,
      logger: ctx.logger,
    });
    return { items: [...restoresInProgress(ctx), ...stored] };
  });
  app.post('/api/v1/restores', on('restores'), async (req, reply) => {
    const body = RestoreBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send(badRequest(body.error));
    const r = await startRestore(ctx, body.data);
    if (r.accepted) return reply.code(202).send({ name: r.name, phase: 'InProgress' });
    return r.result;
  });
}
