import type { FastifyInstance } from 'fastify';
import { getDrill, listDrills } from '../../app/drill/index.ts';
import { ClusterNameSchema } from '../../config/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { ServerContext } from '../context.ts';
import { ReportTickets } from './report-tickets.ts';
import { on, PUBLIC } from './route-access.ts';

/** The evidence report's own policy: its inline styles and SVG, nothing else, no script, sandboxed. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";
/** The same, in a frame of the dashboard (same origin) only. */
export const FRAMED_REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox";

/**
 * The DR drills recorded in the bucket, as `drill get|describe|report` read them (`get|list drills`):
 * GET /api/v1/drills[?cluster=NAME] (newest first, each with its outcome and whether its evidence is
 * intact), GET /api/v1/drills/:name (the report and its integrity), and /api/v1/drills/:name/report
 * (the self-contained HTML evidence under its own content policy). The dashboard shows the report
 * in a frame, which cannot send the token: POST /api/v1/drills/:name/report-ticket (the caller may
 * `get drills NAME`) answers with a ticket URL for /api/v1/drills/:name/report.html, good for that
 * drill for 60 s (report-tickets.ts), framed by this origin only.
 */
export function drillRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  tickets: ReportTickets = new ReportTickets(),
): void {
  const query = (cluster?: string) => ({
    configPath: ctx.configPath,
    location: undefined,
    logger: ctx.logger,
    cluster,
  });
  app.get<{ Querystring: { cluster?: unknown } }>('/api/v1/drills', on('drills'), async (req) => {
    // A cluster's name as the config takes it, checked before it names a prefix.
    const cluster =
      req.query.cluster === undefined ? undefined : ClusterNameSchema.safeParse(req.query.cluster);
    if (cluster?.success === false)
      throw new LifeboatError('USAGE', 'cluster must be the name of a cluster of the fleet', {
        hint: 'list the clusters with GET /api/v1/clusters',
      });
    const items = await listDrills(query(cluster?.data));
    return { items: items.map((d) => ({ ...d, phase: d.outcome })) };
  });
  app.get<{ Params: { name: string } }>('/api/v1/drills/:name', on('drills'), async (req) => {
    const evidence = await getDrill(query(), req.params.name);
    return { cluster: evidence.cluster, integrity: evidence.integrity, report: evidence.report };
  });
  const html = async (name: string): Promise<string> => {
    const evidence = await getDrill(query(), name);
    if (evidence.html === undefined)
      throw new LifeboatError('NOT_FOUND', `drill "${name}" has no HTML report`, {
        hint: `read it with: lifeboat drill report ${name} -o markdown`,
      });
    return evidence.html;
  };
  app.get<{ Params: { name: string } }>('/api/v1/drills/:name/report', on('drills'), async (req, reply) => {
    const body = await html(req.params.name);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', REPORT_CSP)
      .send(body);
  });
  app.post<{ Params: { name: string } }>(
    '/api/v1/drills/:name/report-ticket',
    on('drills', { verb: 'get' }),
    async (req, reply) => {
      const { ticket, expires } = tickets.issue(req.params.name);
      const path = `/api/v1/drills/${encodeURIComponent(req.params.name)}/report.html`;
      return reply.send({
        url: `${path}?ticket=${encodeURIComponent(ticket)}`,
        expires: expires.toISOString(),
      });
    },
  );
  app.get<{ Params: { name: string }; Querystring: { ticket?: unknown } }>(
    '/api/v1/drills/:name/report.html',
    PUBLIC,
    async (req, reply) => {
      if (!tickets.valid(req.query.ticket, req.params.name))
        throw new LifeboatError(
          'FORBIDDEN',
          'this report link is not valid (forged, expired or for another drill)',
          {
            hint: 'open the drill again in the dashboard: its link is good for 60 s',
          },
        );
      const body = await html(req.params.name);
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', FRAMED_REPORT_CSP)
        .header('x-frame-options', 'SAMEORIGIN')
        .send(body);
    },
  );
}
