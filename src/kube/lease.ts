import * as z from 'zod';
import { KubeApiError, type KubeClient, type RequestSpec } from './client.ts';
import { dictionarySchema } from '../model/index.ts';
import { objectPath } from './paths.ts';

/** Kubernetes MicroTime (a Lease's acquireTime and renewTime): RFC 3339 with microseconds. */
export const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** The REST path of a namespace's coordination.k8s.io/v1 Leases, or of one of them. */
export const leasePath = (namespace: string, name?: string): string =>
  objectPath('leases.coordination.k8s.io', 'coordination.k8s.io/v1', namespace, name);

const MicroTime = z.string().max(64).nullish();
/** A Lease as read from a cluster: bounded, unknown fields kept (a PUT sends them back). */
export const LeaseSchema = z.object({
  metadata: z
    .object({
      name: z.string().max(253),
      namespace: z.string().max(63).optional(),
      resourceVersion: z.string().max(64).optional(),
      labels: dictionarySchema(z.string().max(63)).optional(),
      annotations: dictionarySchema(z.string().max(262_144)).optional(),
    })
    .passthrough(),
  spec: z
    .object({
      holderIdentity: z.string().max(1024).nullish(),
      leaseDurationSeconds: z.number().int().min(0).max(86_400).nullish(),
      acquireTime: MicroTime,
      renewTime: MicroTime,
      leaseTransitions: z.number().int().min(0).nullish(),
    })
    .passthrough()
    .optional(),
});
export type Lease = z.infer<typeof LeaseSchema>;
export type LeaseSpec = NonNullable<Lease['spec']>;

/**
 * A write's outcome, never an exception for the races a Lease exists for: `conflict` (another
 * writer changed or created it first, 409), `gone` (deleted meanwhile, 404), `lost` (another holds
 * it: nothing written), `held` (another holds it and has not expired: nothing written).
 */
export type LeaseWrite =
  | { ok: true; lease: Lease }
  | { ok: false; reason: 'conflict' | 'gone' }
  | { ok: false; reason: 'lost' | 'held'; lease: Lease };

/** Who holds a Lease (undefined: nobody, or emptied on release). */
export function leaseHolder(lease: Lease | undefined): string | undefined {
  const holder = lease?.spec?.holderIdentity ?? undefined;
  return holder === '' ? undefined : holder;
}

/**
 * Whether a Lease may be taken now: `free` (absent or without a holder), `expired` (its holder has
 * not renewed within its duration: renewTime, else acquireTime, on this clock), else `held`. The
 * caller's `renewedAt` (when it saw the renewTime change, on its own clock) replaces the Lease's
 * when given, so that skew between the machines does not matter.
 */
export function leaseState(
  lease: Lease | undefined,
  now: number,
  options: { defaultDurationSeconds: number; renewedAt?: number | undefined },
): 'free' | 'expired' | 'held' {
  if (leaseHolder(lease) === undefined) return 'free';
  const spec = lease?.spec ?? {};
  const renewed = options.renewedAt ?? Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  const duration = (spec.leaseDurationSeconds ?? options.defaultDurationSeconds) * 1000;
  return !Number.isFinite(renewed) || now - renewed > duration ? 'expired' : 'held';
}

/** The spec a new holder writes: acquired and renewed now, one more transition than before. */
export function takeOverSpec(
  lease: Lease | undefined,
  holder: string,
  durationSeconds: number,
  now: Date,
): LeaseSpec {
  const before = lease?.spec ?? {};
  const same = leaseHolder(lease) === holder;
  return {
    holderIdentity: holder,
    leaseDurationSeconds: durationSeconds,
    acquireTime: same ? (before.acquireTime ?? microTime(now)) : microTime(now),
    renewTime: microTime(now),
    // As client-go counts: one more whenever the holder changes (from an emptied Lease too).
    leaseTransitions: lease === undefined ? 0 : (before.leaseTransitions ?? 0) + (same ? 0 : 1),
  };
}

export interface LeaseClientOptions {
  /** Per call (default 5 s). */
  timeoutMs?: number;
  /** Retries of a failed call (default 1; a retried write that conflicts may have been this one's). */
  retries?: number;
}

const KIND = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' } as const;

/**
 * The Leases of one namespace, as every lifeboat Lease user needs them: read, create if absent,
 * renew if still the holder, take over if expired, release, delete. Every write is at the read
 * resourceVersion; the races are typed results, other failures (403, 5xx) are thrown.
 */
export class LeaseClient {
  readonly #client: Pick<KubeClient, 'json'>;
  readonly namespace: string;
  readonly #call: Pick<RequestSpec, 'timeoutMs' | 'retries'>;

  constructor(client: Pick<KubeClient, 'json'>, namespace: string, options: LeaseClientOptions = {}) {
    this.#client = client;
    this.namespace = namespace;
    this.#call = { timeoutMs: options.timeoutMs ?? 5000, retries: options.retries ?? 1 };
  }

  async get(name: string): Promise<Lease | undefined> {
    try {
      return LeaseSchema.parse(
        await this.#client.json<unknown>({ path: leasePath(this.namespace, name), ...this.#call }),
      );
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The Leases matching a label selector (every page); one that does not parse is left out. */
  async list(labelSelector: string): Promise<Lease[]> {
    const out: Lease[] = [];
    let token: string | undefined;
    do {
      const body = ListSchema.parse(
        await this.#client.json<unknown>({
          path: leasePath(this.namespace),
          query: { labelSelector, limit: 500, continue: token },
          ...this.#call,
        }),
      );
      for (const item of body.items) {
        const lease = LeaseSchema.safeParse(item);
        if (lease.success) out.push(lease.data);
      }
      token = body.metadata?.continue || undefined;
    } while (token !== undefined);
    return out;
  }

  /** Creates the Lease; `conflict` when it exists already. */
  async createIfAbsent(
    metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> },
    spec: LeaseSpec,
  ): Promise<LeaseWrite> {
    return this.#write({
      method: 'POST',
      path: leasePath(this.namespace),
      body: { ...KIND, metadata: { ...metadata, namespace: this.namespace }, spec },
    });
  }

  /** Replaces the Lease's spec (merged) at the resourceVersion read; `conflict` or `gone` on a race. */
  async update(
    lease: Lease,
    spec: LeaseSpec,
    metadata: Partial<Pick<Lease['metadata'], 'labels' | 'annotations'>> = {},
  ): Promise<LeaseWrite> {
    return this.#write({
      method: 'PUT',
      path: leasePath(this.namespace, lease.metadata.name),
      body: { ...KIND, metadata: { ...lease.metadata, ...metadata }, spec: { ...lease.spec, ...spec } },
    });
  }

  /** Renews the Lease read when `holder` still holds it; `lost` (nothing written) when another does. */
  async renewIfHolder(lease: Lease, holder: string, now = new Date()): Promise<LeaseWrite> {
    if (leaseHolder(lease) !== holder) return { ok: false, reason: 'lost', lease };
    return this.update(lease, { renewTime: microTime(now) });
  }

  /**
   * Takes the Lease for `holder` when it is absent, free or expired (see leaseState); `held` when
   * another holder is within its duration; `conflict` when another taker wrote first.
   */
  async takeOverIfExpired(
    name: string,
    lease: Lease | undefined,
    holder: string,
    durationSeconds: number,
    options: { now?: Date; renewedAt?: number | undefined; labels?: Record<string, string> } = {},
  ): Promise<LeaseWrite> {
    const now = options.now ?? new Date();
    const state = leaseState(lease, now.getTime(), {
      defaultDurationSeconds: durationSeconds,
      renewedAt: options.renewedAt,
    });
    if (lease !== undefined && state === 'held' && leaseHolder(lease) !== holder)
      return { ok: false, reason: 'held', lease };
    const spec = takeOverSpec(lease, holder, durationSeconds, now);
    return lease === undefined
      ? this.createIfAbsent(
          { name, ...(options.labels === undefined ? {} : { labels: options.labels }) },
          spec,
        )
      : this.update(lease, spec);
  }

  /**
   * Empties the holder when it is still `holder` (emptied, not deleted: a role may update Leases but
   * not delete them); `lost` when another holds it. The duration may be shortened for the next taker.
   */
  async release(lease: Lease, holder: string, spec: LeaseSpec = {}): Promise<LeaseWrite> {
    if (leaseHolder(lease) !== holder) return { ok: false, reason: 'lost', lease };
    const { holderIdentity: _h, renewTime: _r, ...kept } = lease.spec ?? {};
    return this.#write({
      method: 'PUT',
      path: leasePath(this.namespace, lease.metadata.name),
      body: { ...KIND, metadata: lease.metadata, spec: { ...kept, ...spec } },
    });
  }

  /** Deletes the Lease; absent already is fine. */
  async delete(name: string): Promise<void> {
    try {
      await this.#client.json({ method: 'DELETE', path: leasePath(this.namespace, name), ...this.#call });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
  }

  async #write(spec: Pick<RequestSpec, 'method' | 'path' | 'body'>): Promise<LeaseWrite> {
    try {
      return {
        ok: true,
        lease: LeaseSchema.parse(await this.#client.json<unknown>({ ...spec, ...this.#call })),
      };
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) return { ok: false, reason: 'conflict' };
      if (err instanceof KubeApiError && err.status === 404) return { ok: false, reason: 'gone' };
      throw err;
    }
  }
}

const ListSchema = z.object({
  metadata: z.object({ continue: z.string().optional() }).passthrough().optional(),
  items: z.array(z.unknown()).max(100_000),
});
