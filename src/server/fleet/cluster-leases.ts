import { hostname } from 'node:os';
import {
  KubeClient,
  type KubeTarget,
  type Lease,
  LeaseClient,
  loadKubeConfig,
  microTime,
} from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import { nullObject } from '../../model/index.ts';
import {
  CLUSTER_LABEL,
  CLUSTER_UID_ANNOTATION,
  clusterLeaseName,
  MANAGED_BY,
  REPLICA_LABEL,
  replicaLeaseName,
  selector,
} from './leases.ts';
import { decideOwnership } from './ownership.ts';

export interface ClusterLeasesOptions {
  /** The management cluster: the kubeconfig the server runs with. */
  kube: KubeTarget;
  namespace: string;
  /** This replica (`--replica-id`). */
  identity: string;
  leaseDurationMs: number;
  maxPerReplica?: number | undefined;
  logger: Logger;
  /** The fleet's clusters now. */
  fleet: () => readonly { name: string; uid: string | undefined }[];
  /** A backup of the cluster runs here (its lease is never given away then). */
  busy: (cluster: string) => boolean;
  /** The lease of a cluster was lost or given up: stop its runs. */
  onLost: (cluster: string, reason: string) => void;
}

/** The replica's default identity: the pod's name, else host and process. */
export const defaultReplicaId = () => process.env['POD_NAME'] || `${hostname()}-${process.pid}`;

interface Observed {
  key: string;
  at: number;
}

/**
 * Per-cluster ownership through Leases, client-go's rules for each: a holder renews every third of
 * the duration; another replica takes a lease once it has seen no renewal for the duration (on its
 * own clock, so clock skew does not matter); a holder that cannot renew within 80 % of the duration
 * counts it lost before anyone may take it; updates carry the resourceVersion, so two replicas never
 * both win. `fence()` renews right before a run writes: a replica that lost a cluster never writes.
 */
export class ClusterLeases {
  readonly identity: string;
  readonly #o: ClusterLeasesOptions;
  readonly #client: KubeClient;
  readonly #leases: LeaseClient;
  /** Clusters held, with the lease as last written and when it was last renewed. */
  readonly #mine = new Map<string, { lease: Lease; renewed: number }>();
  readonly #observed = new Map<string, Observed>();
  #holders = new Map<string, string>();
  #replicas: string[] = [];
  #bound = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: ClusterLeasesOptions) {
    this.#o = options;
    this.identity = options.identity;
    this.#client = new KubeClient(loadKubeConfig(options.kube), { maxSockets: 4 });
    this.#leases = new LeaseClient(this.#client, options.namespace);
  }

  /** Clusters this replica holds and renewed recently enough to act on. */
  owned(): string[] {
    const now = Date.now();
    return [...this.#mine.entries()]
      .filter(([, m]) => now - m.renewed < this.#o.leaseDurationMs * 0.8)
      .map(([c]) => c)
      .sort();
  }

  /** Each cluster's holder as last seen (valid leases only). */
  holder(cluster: string): string | undefined {
    return this.#mine.has(cluster) ? this.identity : this.#holders.get(cluster);
  }

  /** Live replicas and this replica's bound, as last computed. */
  get view(): { replicas: readonly string[]; bound: number } {
    return { replicas: this.#replicas, bound: this.#bound };
  }

  #retryMs(): number {
    return Math.max(200, Math.floor(this.#o.leaseDurationMs / 3));
  }

  start(): void {
    const loop = () => {
      if (this.#stopped) return;
      this.#busy = this.#tick()
        .catch((err: unknown) => this.#o.logger.warn({ err }, `cluster leases: ${String(err)}`))
        .then(() => this.#stepDown())
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#retryMs());
        });
    };
    loop();
  }

  /** Renews the cluster's lease now; false when it is no longer this replica's (then it is dropped). */
  async fence(cluster: string): Promise<boolean> {
    const held = this.#mine.get(cluster);
    if (held === undefined || this.#stopped) return false;
    return this.#renew(cluster, held.lease);
  }

  /** Stops at once without giving anything up, as a crash would (benchmarks and tests). */
  abandon(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    void this.#busy.finally(() => this.#client.close());
  }

  /** Stops; gives every held cluster up at once (another replica takes it without waiting) and leaves the replica set. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#busy;
    for (const [cluster, { lease }] of [...this.#mine.entries()])
      await this.#release(cluster, lease, 'shutting down');
    await this.#leases.delete(replicaLeaseName(this.identity)).catch(() => undefined);
    this.#client.close();
  }

  /** Clusters not renewed within 80 % of the duration are given up before another replica may take them. */
  #stepDown(): void {
    const now = Date.now();
    for (const [cluster, m] of [...this.#mine.entries()])
      if (now - m.renewed >= this.#o.leaseDurationMs * 0.8)
        this.#lose(cluster, 'could not renew its lease in time');
  }

  async #tick(): Promise<void> {
    this.#replicas = await this.#heartbeat();
    const fleet = this.#o.fleet();
    const leases = new Map(
      (await this.#leases.list(selector(CLUSTER_LABEL))).map((l) => [l.metadata.name, l]),
    );
    await this.#renewAll(leases);
    this.#holders = new Map();
    for (const c of fleet) {
      const lease = leases.get(clusterLeaseName(c.name));
      const holder = lease === undefined ? undefined : this.#validHolder(lease);
      if (holder !== undefined) this.#holders.set(c.name, holder);
    }
    for (const c of this.#mine.keys()) this.#holders.set(c, this.identity);
    const names = new Set(fleet.map((c) => c.name));
    for (const [cluster, { lease }] of [...this.#mine.entries()])
      if (!names.has(cluster)) await this.#release(cluster, lease, 'the cluster left the fleet');
    const decision = decideOwnership({
      me: this.identity,
      clusters: [...names],
      holders: this.#holders,
      replicas: this.#replicas,
      maxPerReplica: this.#o.maxPerReplica,
      busy: this.#o.busy,
    });
    this.#bound = decision.bound;
    for (const cluster of decision.release) {
      const held = this.#mine.get(cluster);
      if (held !== undefined) await this.#release(cluster, held.lease, 'another replica is below its share');
    }
    for (const cluster of decision.take) {
      const uid = fleet.find((c) => c.name === cluster)?.uid;
      await this.#take(cluster, uid, leases.get(clusterLeaseName(cluster)));
    }
  }

  /** Renews this replica's own Lease; answers the live replicas (this one included). */
  async #heartbeat(): Promise<string[]> {
    const all = await this.#leases.list(selector(REPLICA_LABEL));
    const name = replicaLeaseName(this.identity);
    const own = all.find((l) => l.metadata.name === name);
    const spec = this.#spec(own?.spec?.acquireTime ?? microTime(new Date()), 0);
    // A conflict (another write of this replica's own Lease) is settled at the next heartbeat.
    if (own === undefined)
      await this.#leases.createIfAbsent({ name, labels: this.#labels(REPLICA_LABEL, 'true') }, spec);
    else await this.#leases.update(own, spec);
    const live = new Set([this.identity]);
    for (const l of all) {
      const holder = this.#validHolder(l);
      if (holder !== undefined && l.metadata.name !== name) live.add(holder);
    }
    return [...live].sort();
  }

  /** The holder while the lease is valid: seen renewed within its duration (on this replica's clock). */
  #validHolder(lease: Lease): string | undefined {
    const holder = lease.spec?.holderIdentity ?? undefined;
    if (holder === undefined || holder === '') return undefined;
    const key = `${holder}|${lease.spec?.renewTime ?? ''}`;
    const seen = this.#observed.get(lease.metadata.name);
    const now = Date.now();
    if (seen?.key !== key) this.#observed.set(lease.metadata.name, { key, at: now });
    const validMs = (lease.spec?.leaseDurationSeconds ?? this.#o.leaseDurationMs / 1000) * 1000;
    return now - (this.#observed.get(lease.metadata.name)?.at ?? now) < validMs ? holder : undefined;
  }

  async #renewAll(leases: ReadonlyMap<string, Lease>): Promise<void> {
    const held = [...this.#mine.entries()];
    for (let i = 0; i < held.length; i += 8)
      await Promise.all(
        held.slice(i, i + 8).map(([cluster, m]) => {
          const current = leases.get(clusterLeaseName(cluster));
          return this.#renew(cluster, current ?? m.lease);
        }),
      );
  }

  async #renew(cluster: string, lease: Lease): Promise<boolean> {
    const held = this.#mine.get(cluster);
    if (held === undefined) return false;
    if (lease.spec?.holderIdentity !== this.identity) {
      this.#lose(cluster, `its lease is now held by ${lease.spec?.holderIdentity ?? 'nobody'}`);
      return false;
    }
    try {
      const renewed = await this.#leases.update(
        lease,
        this.#spec(lease.spec.acquireTime ?? microTime(new Date()), lease.spec.leaseTransitions ?? 0),
      );
      if (!renewed.ok) {
        this.#lose(cluster, 'its lease changed under this replica');
        return false;
      }
      this.#mine.set(cluster, { lease: renewed.lease, renewed: Date.now() });
      return true;
    } catch (err) {
      this.#o.logger.warn({ err, cluster }, `cannot renew the lease of cluster ${cluster}: ${String(err)}`);
      if (Date.now() - held.renewed >= this.#o.leaseDurationMs * 0.8)
        this.#lose(cluster, 'could not renew its lease in time');
      return false;
    }
  }

  async #take(cluster: string, uid: string | undefined, lease: Lease | undefined): Promise<void> {
    const now = microTime(new Date());
    const annotations = nullObject<string>(uid === undefined ? [] : [[CLUSTER_UID_ANNOTATION, uid]]);
    const labels = this.#labels(CLUSTER_LABEL, cluster);
    const name = clusterLeaseName(cluster);
    const taken =
      lease === undefined
        ? await this.#leases.createIfAbsent({ name, labels, annotations }, this.#spec(now, 0))
        : await this.#leases.update(lease, this.#spec(now, (lease.spec?.leaseTransitions ?? 0) + 1), {
            labels: nullObject([...Object.entries(lease.metadata.labels ?? {}), ...Object.entries(labels)]),
            annotations: nullObject([
              ...Object.entries(lease.metadata.annotations ?? {}),
              ...Object.entries(annotations),
            ]),
          });
    if (!taken.ok) return; // another replica was first
    this.#mine.set(cluster, { lease: taken.lease, renewed: Date.now() });
    const previous = lease?.spec?.holderIdentity;
    this.#o.logger.info(
      { cluster, previous },
      `cluster ${cluster}: took its lease${previous ? ` (was ${previous})` : ''}`,
    );
  }

  async #release(cluster: string, lease: Lease, reason: string): Promise<void> {
    this.#lose(cluster, reason);
    await this.#leases
      .update(lease, {
        holderIdentity: null,
        leaseDurationSeconds: 1,
        renewTime: microTime(new Date()),
      })
      .catch((err: unknown) =>
        this.#o.logger.warn(
          { err, cluster },
          `could not release the lease of cluster ${cluster}; it expires on its own`,
        ),
      );
  }

  #lose(cluster: string, reason: string): void {
    if (!this.#mine.delete(cluster)) return;
    this.#o.logger.info({ cluster }, `cluster ${cluster}: no longer owned (${reason})`);
    this.#o.onLost(cluster, reason);
  }

  #spec(acquireTime: string, transitions: number) {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.#o.leaseDurationMs / 1000)),
      acquireTime,
      renewTime: microTime(new Date()),
      leaseTransitions: transitions,
    };
  }

  #labels(key: string, value: string): Record<string, string> {
    return nullObject<string>([
      [MANAGED_BY, 'lifeboat'],
      [key, value],
    ]);
  }
}
