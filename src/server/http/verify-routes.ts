import type { FastifyInstance } from 'fastify';
import { verifyBackup } from '../../app/verify/index.ts';
import { LifeboatError, redact } from '../../errors/index.ts';
import type { ServerContext } from '../context.ts';
import { backupLocation } from './backup-detail.ts';
import { on } from './route-access.ts';

type VerifyReport = Awaited<ReturnType<typeof verifyBackup>>;

/** A verification of one backup: running, or its outcome (the checks and the problems they found). */
export interface Verification {
  backup: string;
  location: string;
  phase: 'InProgress' | 'Verified' | 'Failed';
  started: string;
  completed?: string;
  report?: VerifyReport;
  /** Why it could not run to the end (the backup could not be read). */
  error?: { message: string; hint?: string | undefined };
}

/** At most this many verifications read the store at once (each reads a whole backup). */
const MAX_RUNNING = 2;
/** Finished verifications kept for GET, oldest dropped first. */
const KEPT = 32;

/**
 * POST /api/v1/backups/:name/verify runs `backup verify NAME` in the background — checksums, the
 * tarball and every item, the resource list — and answers 202 with its state; GET answers the state
 * of the newest one (404 before any). Starting needs `create backups/verify NAME` (RBAC), reading it
 * `get backups NAME`. One verification per backup at a time (a second POST answers the running one),
 * at most MAX_RUNNING in all; they only read, so they need no leader.
 */
export function verifyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const verifications = new Map<string, Verification>();
  const running = () => [...verifications.values()].filter((v) => v.phase === 'InProgress').length;
  const keep = (v: Verification) => {
    verifications.delete(v.backup);
    verifications.set(v.backup, v);
    for (const [name, old] of verifications) {
      if (verifications.size <= KEPT) break;
      if (old.phase !== 'InProgress') verifications.delete(name);
    }
  };
  app.post<{ Params: { name: string } }>(
    '/api/v1/backups/:name/verify',
    on('backups', { subresource: 'verify' }),
    async (req, reply) => {
      const name = req.params.name;
      const current = verifications.get(name);
      if (current?.phase === 'InProgress') return reply.code(202).send(current);
      const location = backupLocation(ctx, name);
      if (location === undefined)
        throw new LifeboatError('NOT_FOUND', `backup ${name} not found`, {
          hint: 'list the backups: GET /api/v1/backups',
        });
      if (running() >= MAX_RUNNING)
        throw new LifeboatError('CONFLICT', `${running()} verifications are running already`, {
          hint: 'wait for one of them to finish, then ask again',
        });
      const v: Verification = {
        backup: name,
        location,
        phase: 'InProgress',
        started: new Date().toISOString(),
      };
      keep(v);
      void run(ctx, v);
      return reply.code(202).send(v);
    },
  );
  app.get<{ Params: { name: string } }>('/api/v1/backups/:name/verify', on('backups'), async (req, reply) => {
    const v = verifications.get(req.params.name);
    if (v === undefined)
      throw new LifeboatError('NOT_FOUND', `backup ${req.params.name} has not been verified by this server`, {
        hint: `start one: POST /api/v1/backups/${req.params.name}/verify`,
      });
    return reply.send(v);
  });
}

/** Runs one verification to its end, recording the outcome on `v` (never throws). */
async function run(ctx: ServerContext, v: Verification): Promise<void> {
  try {
    const report = await verifyBackup(
      { configPath: ctx.configPath, location: v.location, logger: ctx.logger },
      v.backup,
    );
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
