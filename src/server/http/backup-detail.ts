import type { FastifyInstance } from 'fastify';
import { describeBackup } from '../../app/backups/index.ts';
import type { BackupTree } from '../../app/contents/index.ts';
import { backupProfile, summarizeProfile } from '../../app/profile/index.ts';
import { nullObject, type ResultMessages } from '../../model/index.ts';
import type { ServerContext } from '../context.ts';
import {
  BACKUP_ROOTS,
  backupNotFound,
  type BackupParams,
  backupTarget,
  placeQuery,
} from './backup-target.ts';
import { on } from './route-access.ts';

export interface Problem {
  /** `velero`, `cluster`, or the namespace the message is about. */
  scope: string;
  message: string;
}

/** At most this many messages of each kind are sent (a backup may carry thousands). */
const MAX_MESSAGES = 500;

function problems(m: ResultMessages | undefined): Problem[] {
  if (m === undefined) return [];
  const out: Problem[] = [
    ...(m.velero ?? []).map((message) => ({ scope: 'velero', message })),
    ...(m.cluster ?? []).map((message) => ({ scope: 'cluster', message })),
  ];
  for (const [scope, messages] of Object.entries(m.namespaces ?? nullObject<string[]>()))
    for (const message of messages) out.push({ scope, message });
  return out.slice(0, MAX_MESSAGES);
}

/** Items per resource (`apps/v1/Deployment`) and per namespace, from the backup's resource list. */
export function countResources(list: Record<string, string[]> | undefined): {
  resources: { resource: string; count: number }[];
  namespaces: { namespace: string; count: number }[];
} {
  const perNamespace = new Map<string, number>();
  const resources = Object.entries(list ?? nullObject<string[]>()).map(([resource, items]) => {
    for (const item of items) {
      const slash = item.indexOf('/');
      const ns = slash < 0 ? '(cluster-scoped)' : item.slice(0, slash);
      perNamespace.set(ns, (perNamespace.get(ns) ?? 0) + 1);
    }
    return { resource, count: items.length };
  });
  return {
    resources: resources.sort((a, b) => a.resource.localeCompare(b.resource)),
    namespaces: [...perNamespace]
      .map(([namespace, count]) => ({ namespace, count }))
      .sort((a, b) => a.namespace.localeCompare(b.namespace)),
  };
}

/** A tree as JSON: Maps become arrays of `{ name, … }`, sorted. */
export function treeJson(tree: BackupTree) {
  const resources = (m: Map<string, string[]>) =>
    [...m]
      .map(([resource, names]) => ({ resource, names }))
      .sort((a, b) => a.resource.localeCompare(b.resource));
  return {
    items: tree.items,
    cluster: resources(tree.cluster),
    namespaces: [...tree.namespaces]
      .map(([namespace, m]) => ({ namespace, resources: resources(m) }))
      .sort((a, b) => a.namespace.localeCompare(b.namespace)),
  };
}

/**
 * GET …/backups/:name/details (counts per resource and namespace, errors and warnings with the items
 * they name, pod volumes) and …/profile (the cluster profile's summary), under both BACKUP_ROOTS:
 * `get backups NAME`.
 */
export function backupDetailRoutes(app: FastifyInstance, ctx: ServerContext): void {
  for (const root of BACKUP_ROOTS) {
    app.get<{ Params: BackupParams }>(`${root}/:name/details`, on('backups'), async (req, reply) => {
      const t = backupTarget(ctx, req.params);
      if (t === undefined) return backupNotFound(reply, req.params);
      const d = await describeBackup(placeQuery(ctx, t), t.name);
      return {
        name: t.name,
        location: t.location,
        cluster: t.cluster,
        phase: d.backup.status.phase ?? 'Unknown',
        includedNamespaces: d.backup.spec.includedNamespaces ?? [],
        ...countResources(d.resourceList),
        errors: problems(d.results?.errors),
        warnings: problems(d.results?.warnings),
        podVolumes: d.podVolumes,
        bytes: d.objects.reduce((sum, o) => sum + o.size, 0),
      };
    });
    app.get<{ Params: BackupParams }>(`${root}/:name/profile`, on('backups'), async (req, reply) => {
      const t = backupTarget(ctx, req.params);
      if (t === undefined) return backupNotFound(reply, req.params);
      const side = await backupProfile(placeQuery(ctx, t), t.name);
      return { derived: side.derived, summary: summarizeProfile(side.profile) };
    });
  }
}
