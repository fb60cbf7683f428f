import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LifeboatError } from '../../errors/index.ts';
import { getOrUndefined, KubeApiError, type KubeClient, leasePath, microTime } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';

/** The Lease: in kube-system, which every cluster has (a standby may have no lifeboat namespace yet). */
export const STANDBY_LOCK_NAMESPACE = 'kube-system';
export const STANDBY_LOCK_NAME = 'lifeboat-standby-lock';
/** A holder that has not renewed for this long is gone: the next taker takes the lock over. */
export const DEFAULT_LEASE_SECONDS = 30;

export interface StandbyLockRequest {
  /** The standby's client. */
  client: KubeClient;
  /** What takes it, e.g. `drill drill-shop-20260101030000`: named to whoever is refused. */
  purpose: string;
  /** Wait until the lock is free instead of failing (--wait-lock). */
  wait?: boolean | undefined;
  signal?: AbortSignal | undefined;
  logger: Logger;
  leaseSeconds?: number;
  /** How often a waiting taker looks again (default 2 s). */
  pollMs?: number;
  /** The Lease's name (default STANDBY_LOCK_NAME; tests use their own). */
  name?: string;
}

/** How a holder lost the lock: who holds it now (if anyone) and since when, and when this one saw it. */
export interface StandbyLockLoss {
  /** The Lease's holder now; undefined when it could not be read (the lock expired unrenewed). */
  holder: string | undefined;
  /** When the new holder took it (its acquireTime). */
  since: string | undefined;
  /** When this holder found out. */
  noticedAt: string;
  /** Why, in a sentence: the drill's report gives it as its reason. */
  message: string;
}

export interface StandbyLock {
  /** The Lease's holderIdentity: the purpose, process and host, and a unique suffix. */
  readonly holder: string;
  /**
   * Aborted (with a CONFLICT LifeboatError) when another holder took the Lease, or when renewing it
   * kept failing until it expired: whoever holds the lock must stop changing the standby.
   */
  readonly lost: AbortSignal;
  /** How it was lost, once it was. */
  readonly loss: StandbyLockLoss | undefined;
  /** Stops renewing and empties the Lease's holder when it is still this one; never throws. */
  release(): Promise<void>;
}

interface Lease {
  metadata?: { resourceVersion?: string };
  spec?: {
    holderIdentity?: string | null;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseDurationSeconds?: number | null;
    leaseTransitions?: number | null;
  };
}

const path = (name?: string) => leasePath(STANDBY_LOCK_NAMESPACE, name);
const conflict = (err: unknown) => err instanceof KubeApiError && (err.status === 409 || err.status === 404);

/** Why a Lease is free to take: nobody holds it, or its holder stopped renewing it; undefined when held. */
function freeBecause(lease: Lease, now: number): 'free' | 'stale' | undefined {
  const spec = lease.spec ?? {};
  if (spec.holderIdentity === undefined || spec.holderIdentity === null || spec.holderIdentity === '')
    return 'free';
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  const duration = (spec.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  return !Number.isFinite(renewed) || now - renewed > duration ? 'stale' : undefined;
}

function heldError(
  client: KubeClient,
  name: string,
  lease: Lease,
  now: number,
  leaseSeconds: number,
): LifeboatError {
  const spec = lease.spec ?? {};
  const renewed = Date.parse(spec.renewTime ?? '');
  const ago = Number.isFinite(renewed)
    ? ` (renewed ${Math.max(0, Math.round((now - renewed) / 1000))} s ago)`
    : '';
  return new LifeboatError(
    'CONFLICT',
    `the standby ${client.server} is locked by ${spec.holderIdentity ?? '?'} since ${spec.acquireTime ?? '?'}${ago}`,
    {
      hint: `drills and restores into a standby run one at a time: wait until it ends, or run again with --wait-lock (a holder that stops renewing Lease ${STANDBY_LOCK_NAMESPACE}/${name} is taken over ${leaseSeconds} s after its last renewal)`,
      details: { holder: spec.holderIdentity ?? null, since: spec.acquireTime ?? null },
    },
  );
}

/**
 * Takes the standby's lock (a Lease in the standby: it is seen by every lifeboat that reaches the
 * standby, whatever process or machine it runs on). Fails CONFLICT naming the holder and since when,
 * or waits when asked; a Lease whose holder has not renewed within its duration is taken over. The
 * lock is renewed at a third of its duration until released.
 */
export async function takeStandbyLock(request: StandbyLockRequest): Promise<StandbyLock> {
  try {
    return await takeLock(request);
  } catch (err) {
    throw forbidden(request.client, err) ?? err;
  }
}

/** A refusal by RBAC, said as the permission the lock needs (the API's message names the verb). */
function forbidden(client: KubeClient, err: unknown): LifeboatError | undefined {
  if (!(err instanceof KubeApiError) || err.status !== 403) return undefined;
  return new LifeboatError('FORBIDDEN', `cannot take the standby lock in ${client.server}: ${err.message}`, {
    hint: `the credentials need get, create and update on leases (coordination.k8s.io) in ${STANDBY_LOCK_NAMESPACE}: the Lease rule of the restore role (deploy/kubernetes/restore/rbac-restore.yaml)`,
    details: { status: 403 },
  });
}

async function takeLock(request: StandbyLockRequest): Promise<StandbyLock> {
  const { client, logger } = request;
  const leaseSeconds = request.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const holder = `${request.purpose} (pid ${process.pid} on ${hostname()}, ${randomUUID().slice(0, 8)})`;
  const name = request.name ?? STANDBY_LOCK_NAME;
  let waitingFor: string | undefined;
  for (;;) {
    request.signal?.throwIfAborted();
    const lease = await getOrUndefined<Lease>(client, { path: path(name), retries: 2 });
    // A write that succeeded though its answer was lost (then retried into a conflict) made it ours.
    if (lease?.spec?.holderIdentity === holder)
      return new HeldLock(client, name, holder, leaseSeconds, logger);
    const now = new Date();
    const free = lease === undefined ? 'free' : freeBecause(lease, now.getTime());
    if (free !== undefined) {
      const spec = {
        holderIdentity: holder,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseDurationSeconds: leaseSeconds,
        leaseTransitions: (lease?.spec?.leaseTransitions ?? -1) + 1,
      };
      if (!(await writeLease(client, name, lease, spec))) continue; // another taker was first
      if (free === 'stale')
        logger.warn(
          { previous: lease?.spec?.holderIdentity },
          `took over the standby lock from ${lease?.spec?.holderIdentity ?? '?'}, which stopped renewing it at ${lease?.spec?.renewTime ?? '?'}`,
        );
      return new HeldLock(client, name, holder, leaseSeconds, logger);
    }
    if (lease === undefined || request.wait !== true)
      throw heldError(client, name, lease ?? {}, now.getTime(), leaseSeconds);
    const current = lease.spec?.holderIdentity ?? '?';
    if (current !== waitingFor)
      logger.info({ holder: current }, `waiting for the standby lock held by ${current}`);
    waitingFor = current;
    await sleep(request.pollMs ?? 2_000, undefined, request.signal ? { signal: request.signal } : {}).catch(
      () => {
        throw new LifeboatError('INTERRUPTED', `stopped waiting for the standby lock held by ${current}`);
      },
    );
  }
}

/** Creates the Lease, or replaces the one read (under its resourceVersion); false when another writer was first. */
async function writeLease(
  client: KubeClient,
  name: string,
  lease: Lease | undefined,
  spec: NonNullable<Lease['spec']>,
): Promise<boolean> {
  const metadata = { name, namespace: STANDBY_LOCK_NAMESPACE };
  const kind = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };
  try {
    if (lease === undefined)
      await client.json({ method: 'POST', path: path(), body: { ...kind, metadata, spec }, retries: 2 });
    else
      await client.json({
        method: 'PUT',
        path: path(name),
        body: { ...kind, metadata: { ...metadata, resourceVersion: lease.metadata?.resourceVersion }, spec },
        retries: 2,
      });
    return true;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) return false;
    throw err;
  }
}

class HeldLock implements StandbyLock {
  readonly holder: string;
  readonly #name: string;
  readonly #client: KubeClient;
  readonly #logger: Logger;
  readonly #lost = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #leaseMs: number;
  #renewing: Promise<void> = Promise.resolve();
  #released = false;
  #renewedAt = Date.now();
  #loss: StandbyLockLoss | undefined;

  constructor(client: KubeClient, name: string, holder: string, leaseSeconds: number, logger: Logger) {
    this.holder = holder;
    this.#leaseMs = leaseSeconds * 1000;
    this.#name = name;
    this.#client = client;
    this.#logger = logger;
    this.#timer = setInterval(
      () => {
        this.#renewing = this.#renewing.then(() => this.#renew());
      },
      Math.max(1_000, (leaseSeconds * 1000) / 3),
    );
    this.#timer.unref();
  }

  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  get loss(): StandbyLockLoss | undefined {
    return this.#loss;
  }

  #lose(holder: string | undefined, since: string | undefined, message: string): void {
    if (this.#lost.signal.aborted || this.#released) return;
    this.#loss = { holder, since, noticedAt: new Date().toISOString(), message };
    this.#logger.error({ holder }, message);
    this.#lost.abort(
      new LifeboatError('CONFLICT', message, {
        hint: 'this run stopped renewing the lock in time (a paused process or an unreachable standby): run it again once the new holder ends',
      }),
    );
  }

  /** This holder's Lease as it is now; undefined (and the lock marked lost) when another holds it. */
  async #own(): Promise<Lease | undefined> {
    const lease = await getOrUndefined<Lease>(this.#client, { path: path(this.#name), retries: 2 });
    if (lease?.spec?.holderIdentity === this.holder) return lease;
    const other = lease?.spec?.holderIdentity ?? undefined;
    const since = lease?.spec?.acquireTime ?? undefined;
    this.#lose(
      other === undefined || other === '' ? undefined : other,
      since,
      other === undefined || other === ''
        ? `the standby lock was lost: Lease ${STANDBY_LOCK_NAMESPACE}/${this.#name} no longer names this holder`
        : `the standby lock was taken over by ${other} since ${since ?? '?'}`,
    );
    return undefined;
  }

  async #renew(): Promise<void> {
    if (this.#released || this.#lost.signal.aborted) return;
    try {
      const lease = await this.#own();
      if (lease === undefined) return;
      const now = new Date();
      await this.#client.json({
        method: 'PUT',
        path: path(this.#name),
        body: { ...lease, spec: { ...lease.spec, renewTime: microTime(now) } },
        retries: 1,
      });
      this.#renewedAt = now.getTime();
    } catch (err) {
      if (!conflict(err)) this.#logger.warn({ err }, 'renewing the standby lock failed');
      // Not renewed within the Lease's duration: another taker may have it now, whatever the standby says.
      if (Date.now() - this.#renewedAt > this.#leaseMs)
        this.#lose(
          undefined,
          undefined,
          `the standby lock expired unrenewed: the last renewal was at ${new Date(this.#renewedAt).toISOString()} (${err instanceof Error ? err.message : String(err)})`,
        );
    }
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    await this.#renewing;
    try {
      const lease = await getOrUndefined<Lease>(this.#client, { path: path(this.#name), retries: 2 });
      if (lease?.spec?.holderIdentity !== this.holder) return;
      // Emptied rather than deleted: the restore's role may update Leases but not delete them.
      const { holderIdentity: _h, renewTime: _r, ...kept } = lease.spec ?? {};
      await this.#client.json({
        method: 'PUT',
        path: path(this.#name),
        body: { ...lease, spec: kept },
        retries: 2,
      });
    } catch (err) {
      if (!conflict(err)) this.#logger.warn({ err }, 'releasing the standby lock failed');
    }
  }
}
