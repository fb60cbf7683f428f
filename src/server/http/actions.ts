import { resolveLocation } from '../../config/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import { runBackup } from '../../app/backup/index.ts';
import { profileExtension } from '../../app/profile/index.ts';
import {
  checkRestoreFilters,
  DEFAULT_PARALLELISM,
  runRestore,
  type RestoreRunResult,
} from '../../app/restore/index.ts';
import { findSchedule, templateRequest } from '../../app/schedules/index.ts';
import { resourceFilters } from '../../selection/index.ts';
import type { BackupBody, RestoreBody } from './api-bodies.ts';
import type { ServerContext } from '../context.ts';
import { requestScope } from './backup-target.ts';
import { submitClusterBackup } from '../fleet/index.ts';
import { nullObject } from '../../model/index.ts';

function requireLeader(ctx: ServerContext): void {
  const l = ctx.leader();
  if (!l.isLeader)
    throw new LifeboatError('UNREACHABLE', `this replica is not the leader; ${l.holder ?? 'no replica'} is`, {
      hint: 'send the request to the leader (or retry: a new leader is elected within the lease duration)',
      details: { status: 503 },
    });
  if (!ctx.scheduler.running)
    throw new LifeboatError('UNREACHABLE', 'the server is shutting down', { details: { status: 503 } });
}

const stamp = (d: Date) => d.toISOString().slice(0, 19).replace(/[-T:]/g, '');

/** POST /api/v1/backups: a schedule's run now, or an ad-hoc backup; answers with the backup's name. */
export function submitBackup(
  ctx: ServerContext,
  body: BackupBody,
): { name: string; schedule?: string; cluster?: string } {
  if (body.cluster !== undefined) return submitClusterBackup(ctx, { ...body, cluster: body.cluster });
  requireLeader(ctx);
  const config = ctx.config();
  if (body.schedule !== undefined) {
    const s = findSchedule(config, body.schedule);
    const r = ctx.scheduler.trigger(s, new Date());
    if (!r.started || r.name === undefined)
      throw new LifeboatError('CONFLICT', `schedule ${s.name}: ${r.reason ?? 'not started'}`, {
        hint: 'wait for the running backup to finish',
      });
    return { name: r.name, schedule: s.name };
  }
  const location = resolveLocation(config, body.storageLocation).name;
  const t = body.template ?? {};
  const fixed = body.name;
  const nameAt = (at: Date): string => fixed ?? `backup-${stamp(at)}`;
  const key = `adhoc/${fixed ?? stamp(new Date())}`;
  if (ctx.scheduler.isActive(key))
    throw new LifeboatError('CONFLICT', `backup ${fixed ?? ''} is already running`);
  const name = ctx.scheduler.submit(key, {
    schedule: undefined,
    location,
    name: nameAt,
    run: (at, signal) =>
      runBackup(
        {
          name: nameAt(at),
          ...templateRequest(t),
          storageLocation: location,
          ttl: body.ttl ?? '720h',
          labels: t.labels ?? nullObject(),
          kube: ctx.kube,
          configPath: ctx.configPath,
        },
        // Every backup stores the cluster profile, as backup create does.
        { logger: ctx.logger, signal, extensions: [profileExtension([])] },
      ),
  });
  return { name };
}

export function restoresInProgress(ctx: ServerContext): {
  name: string;
  backup: string;
  cluster?: string | undefined;
  phase: 'InProgress';
  started: string;
  step?: string;
}[] {
  return [...ctx.restoring.entries()].map(([name, r]) => ({ name, ...r, phase: 'InProgress' as const }));
}

/** Where a fleet cluster's backup named in a restore was listed (its schedule's location may not be the cluster's). */
function clusterBackupLocation(ctx: ServerContext, body: RestoreBody): string | undefined {
  if (body.cluster === undefined) return undefined;
  if (ctx.fleet.registry.find(body.cluster) === undefined)
    throw new LifeboatError('NOT_FOUND', `no cluster named '${body.cluster}' in the fleet`, {
      hint: 'list the fleet’s clusters: GET /api/v1/clusters',
    });
  return body.backupName === undefined
    ? undefined
    : ctx.fleet.index.find(body.cluster, body.backupName)?.location;
}

/** POST /api/v1/restores: dry runs answer with the plan; real restores run in the background. */
export async function startRestore(
  ctx: ServerContext,
  body: RestoreBody,
): Promise<{ accepted: boolean; name: string; result?: RestoreRunResult }> {
  if (!ctx.restoreEnabled)
    throw new LifeboatError('FORBIDDEN', 'restores are disabled on this server', {
      hint: 'start the server with --enable-restore (and bind the restore ClusterRole)',
    });
  requireLeader(ctx);
  if (!body.dryRun && ctx.restoring.size > 0)
    throw new LifeboatError('CONFLICT', `restore ${[...ctx.restoring.keys()].join(', ')} is in progress`);
  const name = body.name ?? `${body.scheduleName ?? body.backupName ?? 'restore'}-${stamp(new Date())}`;
  // A bad filter is the caller's 400, not a restore failing in the background.
  checkRestoreFilters(body);
  const storageLocation = body.storageLocation ?? clusterBackupLocation(ctx, body);
  const run = () =>
    runRestore(
      {
        name,
        fromBackup: body.backupName,
        fromSchedule: body.scheduleName,
        ...resourceFilters(body),
        namespaceMapping: body.namespaceMapping ?? nullObject(),
        storageClassMapping: body.storageClassMapping ?? nullObject(),
        existingResourcePolicy: body.existingResourcePolicy,
        preserveNodePorts: body.preserveNodePorts,
        restoreStatus: body.restoreStatus ?? [],
        parallelism: body.parallelism ?? DEFAULT_PARALLELISM,
        dryRun: body.dryRun,
        verify: false,
        storageLocation,
        cluster: requestScope(ctx, body.cluster),
        kube: ctx.restoreKube,
        configPath: ctx.configPath,
      },
      {
        logger: ctx.logger,
        // Live progress for GET /api/v1/restores (the dashboard): the step and items done so far.
        onEvent: (e) => {
          const r = ctx.restoring.get(name);
          if (r === undefined) return;
          r.step = e.phase;
          if (e.done !== undefined) Object.assign(r, { done: e.done, total: e.total, failed: e.failed });
        },
      },
    );
  if (body.dryRun) return { accepted: false, name, result: await run() };
  ctx.restoring.set(name, {
    backup: body.backupName ?? body.scheduleName ?? '',
    cluster: body.cluster,
    started: new Date().toISOString(),
  });
  run()
    .then((r) => ctx.metrics.restoreTotal.inc({ status: r.phase }))
    .catch((err: unknown) => {
      ctx.metrics.restoreTotal.inc({ status: 'Failed' });
      ctx.logger.error({ err, restore: name }, `restore ${name} failed: ${String(err)}`);
    })
    .finally(() => ctx.restoring.delete(name));
  return { accepted: true, name };
}
