import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { allStatuses } from '../status.ts';
import { on } from './route-access.ts';

/** What the server knows of itself: schedules with their status, RPOs, leadership, locations. */
export function statusRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/schedules', on('schedules'), async () => {
    await ctx.refreshConfig();
    const statuses = allStatuses(ctx);
    return {
      items: (ctx.config().schedules ?? []).map((s) => ({
        spec: s,
        status: statuses.find((st) => st.name === s.name),
      })),
    };
  });
  app.get('/api/v1/rpo', on('rpo'), () =>
    Promise.resolve({
      items: allStatuses(ctx).map((s) => ({
        schedule: s.name,
        ...s.rpo,
        lastSuccessful: s.lastSuccessful,
        missedRuns: s.missedRuns,
        skippedRuns: s.skippedRuns,
      })),
    }),
  );
  app.get('/api/v1/server', on('server'), () =>
    Promise.resolve({
      ...ctx.leader(),
      startedAt: ctx.startedAt.toISOString(),
      running: ctx.scheduler.running,
    }),
  );
  app.get('/api/v1/locations', on('locations'), () => Promise.resolve({ items: ctx.index.locations() }));
}
