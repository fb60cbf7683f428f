import type { FastifyInstance, FastifyReply } from 'fastify';
import * as z from 'zod';
import { type BackupTree, backupTree, readBackupItem } from '../../app/contents/index.ts';
import type { ServerContext } from '../context.ts';
import { badRequest } from './api-bodies.ts';
import { backupLocation, treeJson } from './backup-detail.ts';
import { on } from './route-access.ts';

const segment = z
  .string()
  .min(1)
  .max(253)
  .refine((s) => !s.includes('/') && s !== '.' && s !== '..', 'one path segment');

/** GET /api/v1/backups/:name/contents/item: which item (`namespace` absent for cluster-scoped ones). */
const ItemQuery = z.object({ resource: segment, namespace: segment.optional(), name: segment }).strict();

/** Backups are immutable once listed: a few trees are kept to browse without reading the tarball again. */
const TREES_KEPT = 8;

/**
 * /api/v1/backups/:name/contents: what a backup holds (namespaces → resources → names), and one
 * item as YAML with Secret values masked by the server (app/contents) — the masked values never
 * reach the browser. Both are `get backups NAME`.
 */
export function contentsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const trees = new Map<string, Promise<BackupTree>>();
  const treeOf = (location: string, name: string): Promise<BackupTree> => {
    const key = `${location}/${name}`;
    let tree = trees.get(key);
    if (tree === undefined) {
      tree = backupTree({ configPath: ctx.configPath, location, logger: ctx.logger }, name);
      tree.catch(() => trees.delete(key));
      if (trees.size >= TREES_KEPT) trees.delete(trees.keys().next().value ?? '');
      trees.set(key, tree);
    }
    return tree;
  };
  app.get<{ Params: { name: string } }>(
    '/api/v1/backups/:name/contents',
    on('backups'),
    async (req, reply: FastifyReply) => {
      const location = backupLocation(ctx, req.params.name);
      if (location === undefined) return notFound(reply, req.params.name);
      return treeJson(await treeOf(location, req.params.name));
    },
  );
  app.get<{ Params: { name: string } }>(
    '/api/v1/backups/:name/contents/item',
    on('backups'),
    async (req, reply: FastifyReply) => {
      const q = ItemQuery.safeParse(req.query);
      if (!q.success) return reply.code(400).send(badRequest(q.error));
      const location = backupLocation(ctx, req.params.name);
      if (location === undefined) return notFound(reply, req.params.name);
      return readBackupItem({ configPath: ctx.configPath, location, logger: ctx.logger }, req.params.name, {
        groupResource: q.data.resource,
        namespace: q.data.namespace,
        name: q.data.name,
      });
    },
  );
}

function notFound(reply: FastifyReply, name: string): FastifyReply {
  return reply.code(404).send({
    error: 'NOT_FOUND',
    message: `backup ${name} not found`,
    hint: 'list the backups: GET /api/v1/backups',
  });
}
