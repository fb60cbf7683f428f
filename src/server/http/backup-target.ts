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

/** The params of a route under one of BACKUP_ROOTS (or of a restore's roots). */
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

/** Where the API reads: the server's own cluster (cluster undefined) or a fleet cluster, in a location. */
export interface Place {
  cluster: string | undefined;
  location: string;
}

/**
 * The scope of the cluster a request names, as the fleet registry holds it (a discovered cluster's
 * prefix included), never re-resolved; undefined for the server's own cluster.
 */
export function requestScope(ctx: ServerContext, cluster: string | undefined): ClusterScope | undefined {
  return cluster === undefined ? undefined : ctx.fleet.scope(cluster);
}

/** How the app layer reads a place's store (a backup target is one): its location, at the cluster's prefix for a fleet cluster. */
export function placeQuery(
  ctx: ServerContext,
  place: Place,
): { configPath: string | undefined; location: string; logger: Logger; cluster: ClusterScope | undefined } {
  return {
    configPath: ctx.configPath,
    location: place.location,
    logger: ctx.logger,
    cluster: requestScope(ctx, place.cluster),
  };
}

/** The 404 of a backup (or a restore, under its own roots) the params name but the server has not listed. */
export function notListed(
  reply: FastifyReply,
  kind: 'backup' | 'restore',
  params: BackupParams,
): FastifyReply {
  const of = params.cluster === undefined ? '' : ` of cluster ${params.cluster}`;
  return reply.code(404).send({
    error: 'NOT_FOUND',
    message: `${kind} ${params.name}${of} not found`,
    hint:
      params.cluster === undefined
        ? `list the ${kind}s: GET /api/v1/${kind}s`
        : `list the cluster's ${kind}s: GET /api/v1/${kind}s?cluster=${params.cluster}`,
  });
}

/** The 404 of a backup the params name but the server has not listed. */
export const backupNotFound = (reply: FastifyReply, params: BackupParams): FastifyReply =>
  notListed(reply, 'backup', params);
