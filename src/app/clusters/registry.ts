import { dirname, isAbsolute, join } from 'node:path';
import { mapBounded } from '../../concurrency/index.ts';
import { type ClusterEntry, type Fleet } from '../../config/index.ts';
import { KubeClient, type KubeTarget, loadKubeConfig } from '../../kube/index.ts';
import { nullObject } from '../../model/index.ts';
import { discoverClusters, type Discovered } from './discover.ts';
import {
  type ClusterCandidate,
  type ClusterProbe,
  diffFleet,
  type FleetChanges,
  type FleetCluster,
  mergeFleet,
  separateFolders,
} from './fleet-model.ts';
import { probeCluster } from './probe.ts';

/** The part of the config file the fleet is made of. */
export interface FleetConfig {
  path?: string | undefined;
  clusters?: ClusterEntry[] | undefined;
  fleet?: Fleet | undefined;
  /** The storage locations, to tell which one a cluster without its own uses. */
  locations?: readonly { name: string; default?: boolean | undefined }[] | undefined;
  defaultLocation?: string | undefined;
}

export interface RegistryOptions {
  /** Reads the config anew at each refresh (clusters are added and removed while a server runs). */
  load: () => Promise<FleetConfig>;
  probe?: (target: KubeTarget) => Promise<ClusterProbe>;
  discover?: (management: KubeTarget, fleet: Fleet) => Promise<Discovered>;
  /** Clusters probed at once (each under its own timeout). */
  concurrency?: number;
}

export interface FleetRefresh extends FleetChanges {
  clusters: readonly FleetCluster[];
  /** Discovery problems (a Secret without a kubeconfig, the management cluster unreachable). */
  problems: string[];
}

/**
 * The fleet as one server replica holds it: a list of small records (names, identities, labels, and
 * the in-memory kubeconfigs of discovered clusters), no open connection per cluster. `refresh()`
 * reads the config, asks the management cluster, probes every cluster under its own timeout, merges
 * by identity and says what changed. When discovery fails, the clusters it found before are kept
 * (an unreachable management cluster does not remove the fleet), and the failure is a problem.
 */
export class ClusterRegistry {
  #clusters: FleetCluster[] = [];
  #discovered: ClusterCandidate[] = [];
  #running: Promise<FleetRefresh> | undefined;
  readonly #options: Required<RegistryOptions>;

  constructor(options: RegistryOptions) {
    this.#options = {
      probe: (target) => probeCluster(target),
      discover: discoverIn,
      concurrency: 8,
      ...options,
    };
  }

  get clusters(): readonly FleetCluster[] {
    return this.#clusters;
  }

  /** The cluster of that name, if the last refresh saw it. */
  find(name: string): FleetCluster | undefined {
    return this.#clusters.find((c) => c.name === name);
  }

  /** One refresh at a time: a call while one runs shares its result. */
  refresh(): Promise<FleetRefresh> {
    this.#running ??= this.#refresh().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * Refreshes now and then every `intervalMs` until `signal` aborts, handing each result to
   * `onRefresh`; a failed refresh (the config unreadable) is handed to `onError` and the loop goes on.
   */
  async watch(
    intervalMs: number,
    signal: AbortSignal,
    onRefresh: (refresh: FleetRefresh) => void,
    onError: (err: unknown) => void,
  ): Promise<void> {
    while (!signal.aborted) {
      try {
        onRefresh(await this.refresh());
      } catch (err) {
        onError(err);
      }
      await new Promise<void>((done) => {
        const timer = setTimeout(done, intervalMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true });
      });
    }
  }

  async #refresh(): Promise<FleetRefresh> {
    const config = await this.#options.load();
    const configured = configuredCandidates(config);
    const problems: string[] = [];
    const fleet = config.fleet;
    if (fleet !== undefined) {
      const management = configured.find((c) => c.name === fleet.managementCluster);
      try {
        if (management === undefined) throw new Error(`no cluster named '${fleet.managementCluster}'`);
        const found = await this.#options.discover(management.target, fleet);
        this.#discovered = found.candidates;
        problems.push(...found.problems);
      } catch (err) {
        problems.push(
          `discovery in management cluster '${fleet.managementCluster}' failed, keeping what it found before: ${(err as Error).message}`,
        );
      }
    } else this.#discovered = [];
    const candidates = [...configured, ...this.#discovered];
    const probed = await mapBounded(candidates, this.#options.concurrency, async (candidate) => ({
      candidate,
      probe: await this.#options.probe(candidate.target),
    }));
    const defaultLocation = config.defaultLocation ?? config.locations?.find((l) => l.default === true)?.name;
    const { clusters: next, problems: shared } = separateFolders(mergeFleet(probed), defaultLocation);
    problems.push(...shared);
    const changes = diffFleet(this.#clusters, next);
    this.#clusters = next;
    return { ...changes, clusters: next, problems };
  }
}

async function discoverIn(management: KubeTarget, fleet: Fleet): Promise<Discovered> {
  const client = new KubeClient(loadKubeConfig(management), { maxSockets: 4 });
  try {
    return await discoverClusters(client, fleet);
  } finally {
    client.close();
  }
}

/** The config's cluster entries as candidates; a relative kubeconfig path is from the config file's folder. */
export function configuredCandidates(config: FleetConfig): ClusterCandidate[] {
  const base = config.path === undefined ? process.cwd() : dirname(config.path);
  const file = (path: string) => (isAbsolute(path) ? path : join(base, path));
  return (config.clusters ?? []).map((entry) => ({
    name: entry.name,
    source: 'config' as const,
    origin: `config/${entry.name}`,
    labels: nullObject(entry.labels ?? {}),
    target: { kubeconfig: file(entry.kubeconfig), context: entry.context },
    recordedUid: entry.uid,
    location: entry.location,
    prefix: entry.prefix,
    standby:
      entry.standby === undefined
        ? undefined
        : { kubeconfig: file(entry.standby.kubeconfig), context: entry.standby.context },
  }));
}
