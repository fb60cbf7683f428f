import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { LifeboatError, redact } from '../../errors/index.ts';
import { nullObject } from '../../model/index.ts';
import type { ServerContext } from '../context.ts';
import { accessRoutes } from './access-routes.ts';
import { backupDetailRoutes } from './backup-detail.ts';
import { backupRoutes } from './backup-routes.ts';
import { contentsRoutes } from './contents-routes.ts';
import { responseHeaders } from './response-headers.ts';
import { clusterRoutes } from './cluster-routes.ts';
import { drillRoutes } from './drill-routes.ts';
import { eventRoutes } from './event-routes.ts';
import { installGuard, type ApiSecurity } from './guard.ts';
import { probeRoutes } from './probe-routes.ts';
import { ReportTickets } from './report-tickets.ts';
import { restoreRoutes } from './restore-routes.ts';
import { scheduleRoutes } from './schedule-routes.ts';
import { statusRoutes } from './status-routes.ts';
import { verifyRoutes } from './verify-routes.ts';
import { webRoutes } from './web-routes.ts';

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
  /** The key drill report tickets are signed under (shared by the replicas); default: drawn here. */
  reportTicketKey?: Buffer | undefined;
}

/**
 * The HTTP API. Every route declares who may call it (guard.ts): /healthz and /readyz are public
 * (probes), /metrics too with --metrics-public, and the dashboard's static files at / (web-routes.ts);
 * everything else needs the bearer token (or, with
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
  responseHeaders(app);
  probeRoutes(app, ctx, options.metricsPublic);
  backupRoutes(app, ctx);
  statusRoutes(app, ctx);
  restoreRoutes(app, ctx);
  backupDetailRoutes(app, ctx);
  contentsRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  accessRoutes(app, ctx, options.security);
  webRoutes(app);
  clusterRoutes(app, ctx);
  drillRoutes(app, ctx, new ReportTickets({ key: options.reportTicketKey }));
  verifyRoutes(app, ctx);
  eventRoutes(app, ctx);
  return app;
}
