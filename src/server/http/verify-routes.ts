import type { FastifyInstance } from 'fastify';
import { verifyBackup, type VerifyProgress, type VerifyReport } from '../../app/verify/index.ts';
import { LifeboatError, redact } from '../../errors/index.ts';
import type { ServerContext } from '../context.ts';
import {
  BACKUP_ROOTS,
  type BackupParams,
  type BackupTarget,
  backupTarget,
  placeQuery,
} from './backup-target.ts';
import { on } from './route-access.ts';

/** A verification of one backup: running (with how far it is), or its outcome (the checks and the problems they found). */
export interface Verification {
  backup: string;
  location: string;
  /** The fleet cluster whose backup it is; absent for the server's own. */
  cluster?: string | undefined;
  phase: 'InProgress' | 'Verified' | 'Failed';
  started: string;
  completed?: string;
  /** Bytes read of what it reads, items parsed, the step it is at; updated as it reads. */
  progress?: VerifyProgress;
  report?: VerifyReport;
  /** Why it could not run to the end (the backup could not be read). */
  error?: { message: string; hint?: string | undefined };
}

/** At most this many verifications read the store at once (each reads a whole backup). */
const MAX_RUNNING = 2;
/** Finished verifications kept for GET, oldest dropped first. */
const KEPT = 32;

const keyOf = (p: BackupParams) => `${p.cluster ?? ''}\n${p.name}`;

function notFound(p: BackupParams): LifeboatError {
  return new LifeboatError(
    'NOT_FOUND',
    `backup ${p.name}${p.cluster === undefined ? '' : ` of cluster ${p.cluster}`} not found`,
    { hint: 'list the backups: GET /api/v1/backups' },
  );
}

/**
 * POST …/backups/:name/verify (under both BACKUP_ROOTS) runs `backup verify NAME` in the background
 * — checksums, the tarball and every item, the resource list — and answers 202 with its state; GET
 * answers the state of the newest one (404 before any), with its progress while it runs. Starting
 * needs `create backups/verify NAME` (RBAC), reading it `get backups NAME`. One verification per
 * backup at a time (a second POST answers the running one), at most MAX_RUNNING in all; they only
 * read, so they need no leader.
 */
export function verifyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const verifications = new Map<string, Verification>();
  const running = () => [...verifications.values()].filter((v) => v.phase === 'InProgress').length;
  const keep = (key: string, v: Verification) => {
    verifications.delete(key);
    verifications.set(key, v);
    for (const [k, old] of verifications) {
      if (verifications.size <= KEPT) break;
      if (old.phase !== 'InProgress') verifications.delete(k);
    }
  };
  for (const root of BACKUP_ROOTS) {
    app.post<{ Params: BackupParams }>(
      `${root}/:name/verify`,
      on('backups', { subresource: 'verify' }),
      async (req, reply) => {
        const current = verifications.get(keyOf(req.params));
        if (current?.phase === 'InProgress') return reply.code(202).send(current);
        const t = backupTarget(ctx, req.params);
        if (t === undefined) throw notFound(req.params);
        if (running() >= MAX_RUNNING)
          throw new LifeboatError('CONFLICT', `${running()} verifications are running already`, {
            hint: 'wait for one of them to finish, then ask again',
          });
        const v: Verification = {
          backup: t.name,
          location: t.location,
          cluster: t.cluster,
          phase: 'InProgress',
          started: new Date().toISOString(),
        };
        keep(keyOf(req.params), v);
        void run(ctx, t, v);
        return reply.code(202).send(v);
      },
    );
    app.get<{ Params: BackupParams }>(`${root}/:name/verify`, on('backups'), async (req, reply) => {
      const v = verifications.get(keyOf(req.params));
      if (v === undefined)
        throw new LifeboatError(
          'NOT_FOUND',
          `backup ${req.params.name} has not been verified by this server`,
          {
            hint: `start one: POST ${req.url}`,
          },
        );
      return reply.send(v);
    });
  }
}

/** Runs one verification to its end, recording its progress and outcome on `v` (never throws). */
async function run(ctx: ServerContext, t: BackupTarget, v: Verification): Promise<void> {
  try {
    const report = await verifyBackup(placeQuery(ctx, t), t.name, undefined, (p) => (v.progress = p));
    v.phase = report.ok ? 'Verified' : 'Failed';
    v.report = report;
  } catch (err) {
    const known = err instanceof LifeboatError;
    if (!known)
      ctx.logger.error({ err, backup: v.backup }, `verify of backup ${v.backup} failed: ${String(err)}`);
    v.phase = 'Failed';
    v.error = known
      ? { message: redact(err.message), hint: err.hint }
      : { message: 'the verification could not run (see the server log)' };
  }
  v.completed = new Date().toISOString();
}
