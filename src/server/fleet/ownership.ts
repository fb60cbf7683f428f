import { fnv32 } from '../../schedule/index.ts';

/**
 * Who takes which cluster, without a central assigner (pure). Each replica sees the same Leases:
 * the live replicas and who holds each cluster. Its fair share is ceil(clusters / replicas); it takes
 * free clusters up to that share, and beyond it (up to its bound) only those no replica below its
 * share can absorb; it releases clusters above its bound, and above its share while another replica
 * is below its own, so that ownership spreads as replicas come and go.
 */
export interface OwnershipInput {
  me: string;
  /** The fleet's clusters, by name. */
  clusters: readonly string[];
  /** Each cluster's holder while its lease is valid (absent: free or expired). */
  holders: ReadonlyMap<string, string>;
  /** Live replicas (their replica Leases are valid), this one included. */
  replicas: readonly string[];
  /** `--max-clusters-per-replica`; default the fair share plus one. */
  maxPerReplica?: number | undefined;
  /** Clusters with a backup running here: never released. */
  busy: (cluster: string) => boolean;
}

export interface OwnershipDecision {
  fair: number;
  bound: number;
  take: string[];
  release: string[];
}

export function decideOwnership(input: OwnershipInput): OwnershipDecision {
  const replicas = new Set([...input.replicas, input.me]);
  const fair = Math.ceil(input.clusters.length / replicas.size);
  const bound = input.maxPerReplica ?? fair + (replicas.size > 1 ? 1 : 0);
  const counts = new Map<string, number>();
  const mine: string[] = [];
  const free: string[] = [];
  for (const c of input.clusters) {
    const holder = input.holders.get(c);
    if (holder === undefined) free.push(c);
    else if (holder === input.me) mine.push(c);
    else counts.set(holder, (counts.get(holder) ?? 0) + 1);
  }
  const target = Math.min(fair, bound);
  let othersDeficit = 0;
  for (const r of replicas) if (r !== input.me) othersDeficit += Math.max(0, target - (counts.get(r) ?? 0));
  // Each replica prefers different clusters (by a hash of its identity), so they rarely race for one.
  const order = (list: string[]) =>
    list.sort((a, b) => fnv32(`${input.me}/${a}`).localeCompare(fnv32(`${input.me}/${b}`)));
  const room = Math.max(0, target - mine.length);
  let takeCount = Math.min(free.length, room);
  const leftover = free.length - takeCount - othersDeficit;
  if (leftover > 0) takeCount += Math.max(0, Math.min(leftover, bound - mine.length - takeCount));
  const take = order(free).slice(0, takeCount);
  let releaseCount = Math.max(0, mine.length - bound);
  if (releaseCount === 0 && othersDeficit > 0 && free.length === 0)
    releaseCount = Math.min(mine.length - target, othersDeficit);
  const release = order(mine.filter((c) => !input.busy(c)))
    .reverse()
    .slice(0, Math.max(0, releaseCount));
  return { fair, bound, take, release };
}
