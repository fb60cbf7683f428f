import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { access, PUBLIC } from './route-access.ts';

/** /healthz and /readyz (public probes) and /metrics (public with --metrics-public). */
export function probeRoutes(app: FastifyInstance, ctx: ServerContext, metricsPublic: boolean): void {
  app.get('/healthz', PUBLIC, async (_req, reply) =>
    ctx.alive() ? { status: 'ok' } : reply.code(500).send({ status: 'scheduler loop stalled' }),
  );
  app.get('/readyz', PUBLIC, async (_req, reply) =>
    ctx.ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' }),
  );
  app.get('/metrics', metricsPublic ? PUBLIC : access({ path: '/metrics' }), async (_req, reply) =>
    reply.header('content-type', ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  );
}
