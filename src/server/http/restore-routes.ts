import type { FastifyInstance, FastifyReply } from 'fastify';
import { findRestore, listRestores, type RestoreSummary } from '../../app/restore/index.ts';
import { resolveLocation } from '../../config/index.ts';
import type { ServerContext } from '../context.ts';
import { restoresInProgress, startRestore } from './actions.ts';
import { badRequest, objectName, RestoreBody, RestoreGetQuery, RestoreListQuery } from './api-bodies.ts';
import { type BackupParams, notListed, OWN, type Place, placeQuery } from './backup-target.ts';
import { on } from './route-access.ts';

/**
 * A restore's record is kept where its backup was: the server's own under its location's
 * `restores/`, a fleet cluster's under the cluster's prefix. So a restore is under two roots, as a
 * backup is, and both are `restores NAME` to RBAC.
 */
const RESTORE_ROOTS = ['/api/v1/restores', '/api/v1/clusters/:cluster/restores'] as const;

/** A stored restore, where it was found. */
type Placed = RestoreSummary & Place;

/**
 * Where the restores of the server's own cluster (cluster undefined) or of a fleet cluster are read:
 * the server's own in the named location (for a list, the default one; for one restore, each
 * location); a fleet cluster's in each of its locations the fleet lists (or the named one).
 */
function places(
  ctx: ServerContext,
  cluster: string | undefined,
  location: string | undefined,
  every: boolean,
): Place[] {
  if (cluster !== undefined)
    return ctx.fleet.index
      .prefixes()
      .filter((p) => p.cluster === cluster && (location ?? p.location) === p.location);
  const config = ctx.config();
  const names =
    location === undefined && every && config.locations.length > 0
      ? config.locations.map((l) => l.name)
      : [resolveLocation(config, location).name];
  return names.map((l) => ({ cluster: undefined, location: l }));
}

/** The restores kept in those places, 8 places at a time; a place that cannot be read is logged and left out. */
async function storedIn(ctx: ServerContext, where: readonly Place[]): Promise<Placed[]> {
  const out: Placed[] = [];
  for (let i = 0; i < where.length; i += 8)
    for (const rows of await Promise.all(
      where.slice(i, i + 8).map(async (p) => {
        try {
          return (await listRestores(placeQuery(ctx, p))).map((r) => ({
            ...r,
            cluster: p.cluster,
            location: p.location,
          }));
        } catch (err) {
          // The server's own location failing is the caller's error; one fleet prefix is not.
          if (p.cluster === undefined) throw err;
          ctx.logger.warn(
            { cluster: p.cluster, location: p.location },
            `listing the restores of cluster ${p.cluster} in ${p.location} failed: ${String(err)}`,
          );
          return [];
        }
      }),
    ))
      out.push(...rows);
  return out;
}

/**
 * /api/v1/restores: the running restores and the stored ones — the server's own and every fleet
 * cluster's (each naming its `cluster`); `?cluster=NAME` keeps one cluster's, `-` the server's own.
 * POST runs one (a dry run answers with its plan). GET of one restore is under both roots.
 */
export function restoreRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/restores', on('restores'), async (req, reply) => {
    const q = RestoreListQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error));
    const { location, cluster } = q.data;
    const running = restoresInProgress(ctx).filter(
      (r) => cluster === undefined || cluster === (r.cluster ?? OWN),
    );
    const fleet = ctx.fleet.index
      .prefixes()
      .filter((p) => (cluster ?? p.cluster) === p.cluster && (location ?? p.location) === p.location);
    const where = [
      ...(cluster === undefined || cluster === OWN ? places(ctx, undefined, location, false) : []),
      ...fleet,
    ];
    const isRunning = (r: Placed) => running.some((x) => x.name === r.name && x.cluster === r.cluster);
    const stored = (await storedIn(ctx, where)).filter((r) => !isRunning(r));
    return { items: [...running, ...stored.sort((a, b) => b.started.localeCompare(a.started))] };
  });
  for (const root of RESTORE_ROOTS)
    app.get<{ Params: BackupParams }>(`${root}/:name`, on('restores'), async (req, reply) => {
      const q = RestoreGetQuery.safeParse(req.query);
      if (!q.success) return reply.code(400).send(badRequest(q.error));
      const { name, cluster } = req.params;
      if (cluster !== undefined && ctx.fleet.registry.find(cluster) === undefined)
        return restoreNotFound(reply, req.params);
      const running = restoresInProgress(ctx).find((r) => r.name === name && r.cluster === cluster);
      if (running !== undefined) return running;
      if (!objectName.safeParse(name).success) return restoreNotFound(reply, req.params);
      for (const p of places(ctx, cluster, q.data.location, true)) {
        const found = await findRestore(placeQuery(ctx, p), name);
        if (found !== undefined) return { ...found, cluster, location: p.location };
      }
      return restoreNotFound(reply, req.params);
    });
  app.post('/api/v1/restores', on('restores'), async (req, reply) => {
    const body = RestoreBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send(badRequest(body.error));
    const r = await startRestore(ctx, body.data);
    if (r.accepted)
      return reply.code(202).send({ name: r.name, cluster: body.data.cluster, phase: 'InProgress' });
    return r.result;
  });
}

function restoreNotFound(reply: FastifyReply, params: BackupParams): FastifyReply {
  return notListed(reply, 'restore', params);
}
