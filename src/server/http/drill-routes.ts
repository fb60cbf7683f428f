import type { FastifyInstance } from 'fastify';
import { getDrill, listDrills } from '../../app/drill/index.ts';
import { ClusterNameSchema } from '../../config/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { ServerContext } from '../context.ts';
import { on } from './route-access.ts';

/** The evidence report's own policy: its inline styles and SVG, nothing else, no script, sandboxed. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/**
 * The DR drills recorded in the bucket, as `drill get|describe|report` read them (`get|list drills`):
 * GET /api/v1/drills[?cluster=NAME] (newest first, each with its outcome and whether its evidence is
 * intact), GET /api/v1/drills/:name (the report and its integrity), and /api/v1/drills/:name/report
 * (the self-contained HTML evidence under its own content policy).
 */
export function drillRoutes(app: FastifyInstance, ctx: ServerContext): void {
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
  app.get<{ Params: { name: string } }>('/api/v1/drills/:name/report', on('drills'), async (req, reply) => {
    const evidence = await getDrill(query(), req.params.name);
    if (evidence.html === undefined)
      throw new LifeboatError('NOT_FOUND', `drill "${req.params.name}" has no HTML report`, {
        hint: `read it with: lifeboat drill report ${req.params.name} -o markdown`,
      });
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', REPORT_CSP)
      .send(evidence.html);
  });
}
