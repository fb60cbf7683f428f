import type { FastifyReply } from 'fastify';
import type { ClusterScope } from '../../app/clusters/index.ts';
import type { BackupRecord } from '../../app/sync/index.ts';
import type { Logger } from '../../log/index.ts';
import type { ServerContext } from '../context.ts';

/**
 * A backup's routes exist twice: `/api/v1/backups/NAME/…` for the server's own backups and
 * `/api/v1/clusters/CLUSTER/backups/NAME/…` for a fleet cluster's (under the cluster's prefix in
 * its location). Both answer the same shapes, and both are `backups NAME` to RBAC.
 */
export const BACKUP_ROOTS = ['/api/v1/backups', '/api/v1/clusters/:cluster/backups'] as const;

/** `cluster` of a list's query that stands for the server's own backups (or restores). */
export const OWN = '-';

/** The params of a route under one of BACKUP_ROOTS. */
export interface BackupParams {
  name: string;
  cluster?: string;
}

/** A stored backup the API found: the server's own (no cluster), or a fleet cluster's. */
export interface BackupTarget {
  name: string;
  location: string;
  cluster: string | undefined;
  record: BackupRecord;
}

/** The synced backup the params name, or undefined (unknown cluster, or no such backup listed). */
export function backupTarget(ctx: ServerContext, params: BackupParams): BackupTarget | undefined {
  const cluster = params.cluster;
  if (cluster === undefined) {
    const record = ctx.index.find(params.name);
    return record === undefined
      ? undefined
      : { name: params.name, location: record.location, cluster: undefined, record };
  }
  if (ctx.fleet.registry.find(cluster) === undefined) return undefined;
  const record = ctx.fleet.index.find(cluster, params.name);
  return record === undefined ? undefined : { name: params.name, location: record.location, cluster, record };
}

/** How the app layer reads the target's store: its location, at the cluster's prefix for a fleet backup. */
export function targetQuery(
  ctx: ServerContext,
  t: BackupTarget,
): { configPath: string | undefined; location: string; logger: Logger; cluster: ClusterScope | undefined } {
  return {
    configPath: ctx.configPath,
    location: t.location,
    logger: ctx.logger,
    // The scope the fleet registry holds (a discovered cluster's prefix included), never re-resolved.
    cluster: t.cluster === undefined ? undefined : ctx.fleet.scope(t.cluster),
  };
}

/** The 404 of a backup the params name but the server has not listed. */
export function backupNotFound(reply: FastifyReply, params: BackupParams): FastifyReply {
  const of = params.cluster === undefined ? '' : ` of cluster ${params.cluster}`;
  return reply.code(404).send({
    error: 'NOT_FOUND',
    message: `backup ${params.name}${of} not found`,
    hint:
      params.cluster === undefined
        ? 'list the backups: GET /api/v1/backups'
        : `list the cluster's backups: GET /api/v1/backups?cluster=${params.cluster}`,
  });
}
