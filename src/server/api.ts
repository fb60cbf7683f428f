import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { LifeboatError, redact } from '../errors/index.ts';
import { listRestores } from '../app/restore/index.ts';
import { badRequest, BackupBody, ListQuery, RestoreBody } from './api-bodies.ts';
import { restoresInProgress, startRestore, submitBackup } from './actions.ts';
import type { ServerContext } from './context.ts';
import { installGuard, type ApiSecurity } from './guard.ts';
import type { RouteAccess } from './route-access.ts';
import { allStatuses, recordJson } from './status.ts';
import { nullObject } from '../model/index.ts';

const STATUS: Partial<Record<string, number>> = nullObject({
  USAGE: 400,
  CONFIG: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  UNREACHABLE: 503,
  TIMEOUT: 504,
});

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof LifeboatError) {
    const explicit = err.details?.['status'];
    const status = typeof explicit === 'number' ? explicit : (STATUS[err.code] ?? 500);
    return reply.code(status).send({ error: err.code, message: redact(err.message), hint: err.hint });
  }
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return reply.code(status).send({ error: 'BAD_REQUEST', message: (err as Error).message });
  return reply.code(500).send({ error: 'INTERNAL', message: 'internal error (see the server log)' });
}

export interface ApiOptions {
  security: ApiSecurity;
  /** --metrics-public: /metrics is served to anyone (scrapers without credentials). */
  metricsPublic: boolean;
}

const access = (a: RouteAccess) => ({ config: { access: a } });
const PUBLIC = access('public');
/** An API resource of lifeboat.io (RBAC in --auth kubernetes mode). */
const on = (resource: string) => access({ resource });

/**
 * The HTTP API. Every route declares who may call it (guard.ts): /healthz and /readyz are public
 * (probes), /metrics too with --metrics-public; everything else needs the bearer token (or, with
 * --auth kubernetes, a token the cluster accepts and RBAC allows) unless auth is off.
 * Bodies and queries are validated with zod: a bad request gets 400 naming the field at fault.
 */
export function buildApi(ctx: ServerContext, options: ApiOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.setErrorHandler((err, _req, reply) => {
    if (!(err instanceof LifeboatError)) ctx.logger.error({ err }, `API error: ${String(err)}`);
    return sendError(reply, err);
  });
  installGuard(app, options.security);
  app.get('/healthz', PUBLIC, async (_req, reply) =>
    ctx.alive() ? { status: 'ok' } : reply.code(500).send({ status: 'scheduler loop stalled' }),
  );
  app.get('/readyz', PUBLIC, async (_req, reply) =>
    ctx.ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' }),
  );
  app.get('/metrics', options.metricsPublic ? PUBLIC : access({ path: '/metrics' }), async (_req, reply) =>
    reply.header('content-type', ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  );
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
  return app;
}
