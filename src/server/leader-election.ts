import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  getOrUndefined,
  KubeApiError,
  KubeClient,
  type KubeTarget,
  leasePath,
  loadKubeConfig,
  microTime,
} from '../kube/index.ts';
import type { Logger } from '../log/index.ts';

export interface LeaseOptions {
  kube: KubeTarget;
  namespace: string;
  name: string;
  /** Default: <hostname>_<random>. */
  identity?: string;
  /** How long a leader's claim lasts without renewal (client-go default 15 s). */
  leaseDurationMs: number;
  /** How often the lease is tried or renewed (default a third of the duration). */
  retryMs?: number;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: (reason: string) => void;
}

interface LeaseObject {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews the
 * lease every retry period; another candidate takes it over once it has seen no renewal for the
 * lease duration (measured on its own clock, so clock skew between replicas does not matter). A
 * leader that cannot renew within the lease duration steps down before anyone may take over.
 * Updates use the lease's resourceVersion, so two candidates never both win.
 */
export class LeaseElector {
  readonly identity: string;
  readonly #o: LeaseOptions;
  readonly #client: KubeClient;
  #leader = false;
  #holder: string | undefined;
  #observed: { key: string; at: number } | undefined;
  #lastRenew = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #busy: Promise<void> = Promise.resolve();

  constructor(options: LeaseOptions) {
    this.#o = options;
    this.identity = options.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    this.#client = new KubeClient(loadKubeConfig(options.kube), { maxSockets: 2 });
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** The identity holding the lease as last seen (undefined when nobody holds it). */
  get holder(): string | undefined {
    return this.#holder;
  }

  start(): void {
    const loop = () => {
      if (this.#stopped) return;
      this.#busy = this.#tick().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(loop, this.#retryMs());
      });
    };
    loop();
  }

  /** Stops electing; a leader releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#busy;
    if (this.#leader) {
      this.#setLeader(false, 'shutting down');
      try {
        const lease = await this.#get();
        if (lease?.spec?.holderIdentity === this.identity) {
          await this.#put(lease, {
            holderIdentity: null,
            leaseDurationSeconds: 1,
            renewTime: microTime(new Date()),
          });
        }
      } catch (err) {
        this.#o.logger.warn({ err }, 'could not release the leader lease; it expires on its own');
      }
    }
    this.#client.close();
  }

  #retryMs(): number {
    return this.#o.retryMs ?? Math.max(200, Math.floor(this.#o.leaseDurationMs / 3));
  }

  async #tick(): Promise<void> {
    try {
      const won = await this.#tryAcquireOrRenew();
      if (won) this.#lastRenew = Date.now();
      if (won && !this.#leader) this.#setLeader(true, 'acquired the lease');
      if (!won && this.#leader) this.#setLeader(false, `lease taken by ${this.#holder ?? 'another replica'}`);
    } catch (err) {
      this.#o.logger.warn({ err }, `leader election: ${err instanceof Error ? err.message : String(err)}`);
      if (this.#leader && Date.now() - this.#lastRenew > this.#o.leaseDurationMs * 0.8)
        this.#setLeader(false, 'could not renew the lease in time');
    }
  }

  #setLeader(leader: boolean, reason: string): void {
    this.#leader = leader;
    this.#o.logger.info({ identity: this.identity, lease: this.#o.name }, `leader election: ${reason}`);
    if (leader) this.#o.onStartedLeading();
    else this.#o.onStoppedLeading(reason);
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const durationSeconds = Math.max(1, Math.round(this.#o.leaseDurationMs / 1000));
    const lease = await this.#get();
    if (lease === undefined) {
      await this.#client
        .json({
          method: 'POST',
          path: leasePath(this.#o.namespace),
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.#o.name, namespace: this.#o.namespace },
            spec: {
              holderIdentity: this.identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
          retries: 1,
          timeoutMs: 5000,
        })
        .catch((err: unknown) => {
          if (err instanceof KubeApiError && err.status === 409) return undefined;
          throw err;
        });
      this.#holder = this.identity;
      return (await this.#get())?.spec?.holderIdentity === this.identity;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? undefined;
    this.#holder = holder === '' ? undefined : holder;
    const key = `${holder ?? ''}|${spec.renewTime ?? ''}`;
    if (this.#observed?.key !== key) this.#observed = { key, at: Date.now() };
    const validFor = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const held = this.#holder !== undefined && this.#holder !== this.identity;
    if (held && Date.now() - this.#observed.at < validFor) return false;
    const mine = this.#holder === this.identity;
    try {
      await this.#put(lease, {
        holderIdentity: this.identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: mine ? (spec.acquireTime ?? microTime(now)) : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) return false;
      throw err;
    }
    if (!mine) this.#o.logger.info({ previous: this.#holder }, 'leader election: took over the lease');
    this.#holder = this.identity;
    return true;
  }

  #get(): Promise<LeaseObject | undefined> {
    return getOrUndefined<LeaseObject>(this.#client, {
      path: leasePath(this.#o.namespace, this.#o.name),
      retries: 1,
      timeoutMs: 5000,
    });
  }

  async #put(lease: LeaseObject, spec: NonNullable<LeaseObject['spec']>): Promise<void> {
    await this.#client.json({
      method: 'PUT',
      path: leasePath(this.#o.namespace, this.#o.name),
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: lease.metadata,
        spec: { ...lease.spec, ...spec },
      },
      retries: 1,
      timeoutMs: 5000,
    });
  }
}
