import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  KubeClient,
  type KubeTarget,
  LeaseClient,
  leaseHolder,
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
  readonly #leases: LeaseClient;
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
    this.#leases = new LeaseClient(this.#client, options.namespace);
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
        const lease = await this.#leases.get(this.#o.name);
        // Released with a short duration and a fresh renewTime, so another replica takes over at once.
        if (lease !== undefined)
          await this.#leases.release(lease, this.identity, {
            leaseDurationSeconds: 1,
            renewTime: microTime(new Date()),
          });
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
    const lease = await this.#leases.get(this.#o.name);
    if (lease === undefined) {
      const created = await this.#leases.takeOverIfExpired(
        this.#o.name,
        undefined,
        this.identity,
        durationSeconds,
        {
          now,
        },
      );
      this.#holder = this.identity;
      // Created, or another candidate was first (then it holds it): read who holds it now.
      return created.ok || leaseHolder(await this.#leases.get(this.#o.name)) === this.identity;
    }
    this.#holder = leaseHolder(lease);
    const spec = lease.spec ?? {};
    const key = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}`;
    if (this.#observed?.key !== key) this.#observed = { key, at: Date.now() };
    const mine = this.#holder === this.identity;
    // Another holder's renewals are timed on this clock (as client-go does): skew does not matter.
    const written = await this.#leases.takeOverIfExpired(
      this.#o.name,
      lease,
      this.identity,
      durationSeconds,
      {
        now,
        renewedAt: this.#observed.at,
      },
    );
    if (!written.ok) return false;
    if (!mine) this.#o.logger.info({ previous: this.#holder }, 'leader election: took over the lease');
    this.#holder = this.identity;
    return true;
  }
}
