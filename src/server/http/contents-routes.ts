import type { FastifyInstance, FastifyReply } from 'fastify';
import * as z from 'zod';
import { type BackupTree, backupTree, readBackupItem } from '../../app/contents/index.ts';
import type { ServerContext } from '../context.ts';
import { badRequest } from './api-bodies.ts';
import { treeJson } from './backup-detail.ts';
import {
  BACKUP_ROOTS,
  backupNotFound,
  type BackupParams,
  type BackupTarget,
  backupTarget,
  placeQuery,
} from './backup-target.ts';
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
 * …/backups/:name/contents under both BACKUP_ROOTS: what a backup holds (namespaces → resources →
 * names), and one item as YAML with Secret values masked by the server (app/contents) — the masked
 * values never reach the browser. Both are `get backups NAME`.
 */
export function contentsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const trees = new Map<string, Promise<BackupTree>>();
  const treeOf = (t: BackupTarget): Promise<BackupTree> => {
    const key = `${t.cluster ?? ''}\n${t.location}\n${t.name}`;
    let tree = trees.get(key);
    if (tree === undefined) {
      tree = backupTree(placeQuery(ctx, t), t.name);
      tree.catch(() => trees.delete(key));
      if (trees.size >= TREES_KEPT) trees.delete(trees.keys().next().value ?? '');
      trees.set(key, tree);
    }
    return tree;
  };
  for (const root of BACKUP_ROOTS) {
    app.get<{ Params: BackupParams }>(
      `${root}/:name/contents`,
      on('backups'),
      async (req, reply: FastifyReply) => {
        const t = backupTarget(ctx, req.params);
        if (t === undefined) return backupNotFound(reply, req.params);
        return treeJson(await treeOf(t));
      },
    );
    app.get<{ Params: BackupParams }>(
      `${root}/:name/contents/item`,
      on('backups'),
      async (req, reply: FastifyReply) => {
        const q = ItemQuery.safeParse(req.query);
        if (!q.success) return reply.code(400).send(badRequest(q.error));
        const t = backupTarget(ctx, req.params);
        if (t === undefined) return backupNotFound(reply, req.params);
        return readBackupItem(placeQuery(ctx, t), t.name, {
          groupResource: q.data.resource,
          namespace: q.data.namespace,
          name: q.data.name,
        });
      },
    );
  }
}
