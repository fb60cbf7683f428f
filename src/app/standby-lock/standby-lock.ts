import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LifeboatError } from '../../errors/index.ts';
import {
  KubeApiError,
  type KubeClient,
  type Lease,
  LeaseClient,
  leaseHolder,
  leaseState,
} from '../../kube/index.ts';
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
  const leases = new LeaseClient(client, STANDBY_LOCK_NAMESPACE, { retries: 2, timeoutMs: 30_000 });
  let waitingFor: string | undefined;
  for (;;) {
    request.signal?.throwIfAborted();
    const lease = await leases.get(name);
    // A write that succeeded though its answer was lost (then retried into a conflict) made it ours.
    if (leaseHolder(lease) === holder) return new HeldLock(leases, name, holder, leaseSeconds, logger);
    const now = new Date();
    const taken = await leases.takeOverIfExpired(name, lease, holder, leaseSeconds, { now });
    if (taken.ok) {
      if (
        lease !== undefined &&
        leaseState(lease, now.getTime(), { defaultDurationSeconds: leaseSeconds }) === 'expired'
      )
        logger.warn(
          { previous: lease.spec?.holderIdentity },
          `took over the standby lock from ${lease.spec?.holderIdentity ?? '?'}, which stopped renewing it at ${lease.spec?.renewTime ?? '?'}`,
        );
      return new HeldLock(leases, name, holder, leaseSeconds, logger);
    }
    if (taken.reason !== 'held') continue; // another taker was first, or it was deleted meanwhile
    if (request.wait !== true) throw heldError(client, name, taken.lease, now.getTime(), leaseSeconds);
    const current = leaseHolder(taken.lease) ?? '?';
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

class HeldLock implements StandbyLock {
  readonly holder: string;
  readonly #name: string;
  readonly #leases: LeaseClient;
  readonly #logger: Logger;
  readonly #lost = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #leaseMs: number;
  #renewing: Promise<void> = Promise.resolve();
  #released = false;
  #renewedAt = Date.now();
  #loss: StandbyLockLoss | undefined;

  constructor(leases: LeaseClient, name: string, holder: string, leaseSeconds: number, logger: Logger) {
    this.holder = holder;
    this.#leaseMs = leaseSeconds * 1000;
    this.#name = name;
    this.#leases = leases;
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

  /** Marks the lock lost to whoever the Lease names now. */
  #lostTo(lease: Lease | undefined): void {
    const other = leaseHolder(lease);
    const since = lease?.spec?.acquireTime ?? undefined;
    this.#lose(
      other,
      since,
      other === undefined
        ? `the standby lock was lost: Lease ${STANDBY_LOCK_NAMESPACE}/${this.#name} no longer names this holder`
        : `the standby lock was taken over by ${other} since ${since ?? '?'}`,
    );
  }

  async #renew(): Promise<void> {
    if (this.#released || this.#lost.signal.aborted) return;
    try {
      const lease = await this.#leases.get(this.#name);
      const now = new Date();
      const renewed =
        lease === undefined ? undefined : await this.#leases.renewIfHolder(lease, this.holder, now);
      if (renewed?.ok === true) this.#renewedAt = now.getTime();
      else if (renewed === undefined || renewed.reason === 'lost') this.#lostTo(lease);
      // conflict or gone: the next renewal reads it again
    } catch (err) {
      this.#logger.warn({ err }, 'renewing the standby lock failed');
      this.#expireUnlessRenewed(err instanceof Error ? err.message : 'the renewal failed');
    }
    if (!this.#lost.signal.aborted) this.#expireUnlessRenewed(undefined);
  }

  /** Not renewed within the Lease's duration: another taker may have it now, whatever the standby says. */
  #expireUnlessRenewed(why: string | undefined): void {
    if (Date.now() - this.#renewedAt <= this.#leaseMs) return;
    this.#lose(
      undefined,
      undefined,
      `the standby lock expired unrenewed: the last renewal was at ${new Date(this.#renewedAt).toISOString()}${why === undefined ? '' : ` (${why})`}`,
    );
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    await this.#renewing;
    try {
      const lease = await this.#leases.get(this.#name);
      // Emptied rather than deleted: the restore's role may update Leases but not delete them.
      if (lease !== undefined) await this.#leases.release(lease, this.holder);
    } catch (err) {
      this.#logger.warn({ err }, 'releasing the standby lock failed');
    }
  }
}
