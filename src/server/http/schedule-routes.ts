import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { setSchedulePaused } from '../../app/schedules/index.ts';
import type { ServerContext } from '../context.ts';
import { badRequest } from './api-bodies.ts';
import { on } from './route-access.ts';

const ScheduleChange = z.object({ paused: z.boolean() }).strict();

/**
 * PATCH /api/v1/schedules/:name `{ "paused": true|false }`: pauses or unpauses a schedule in the
 * config file (as `schedule pause`), then re-reads it, so the scheduler and RPOs follow at once.
 * RBAC: `patch schedules NAME`.
 */
export function scheduleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.patch<{ Params: { name: string } }>('/api/v1/schedules/:name', on('schedules'), async (req, reply) => {
    const body = ScheduleChange.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send(badRequest(body.error));
    const updated = await setSchedulePaused(ctx.configPath, req.params.name, body.data.paused);
    await ctx.refreshConfig();
    return { name: updated.name, paused: updated.paused === true };
  });
}
