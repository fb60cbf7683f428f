import {
  getOrUndefined,
  KubeApiError,
  type KubeClient,
  listJsonPages,
  objectPath,
} from '../../kube/index.ts';
import { nullObject } from '../../model/index.ts';

/** A Kubernetes object as the profile reads it: only the fields it looks at are typed. */
export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
  [field: string]: unknown;
}

export interface Absent {
  what: string;
  reason: string;
}

/** What the profile reads: the objects of a type (in one namespace, with a label selector), or one object. */
export interface ReadTarget {
  /** What it is, as `absent` names it. */
  what: string;
  group: string;
  version: string;
  /** The plural resource name. */
  resource: string;
  namespace?: string;
  name?: string;
  /** `key=value` */
  labelSelector?: string;
}

/** `v1`, `apps/v1`. */
export function groupVersionOf(target: ReadTarget): string {
  return target.group === '' ? target.version : `${target.group}/${target.version}`;
}

/** `nodes`, `daemonsets.apps`: the type's name in Velero's resource lists. */
export function groupResourceOf(target: ReadTarget): string {
  return target.group === '' ? target.resource : `${target.resource}.${target.group}`;
}

function targetPath(target: ReadTarget): string {
  return objectPath(groupResourceOf(target), groupVersionOf(target), target.namespace, target.name);
}

/**
 * Reads answered without asking the API server (a backup's own listing of the same objects):
 * undefined when the source does not have the target, or a promise of its objects (in the order the
 * server lists them) that gives undefined when the source could not see them all after all.
 */
export interface ProfileSource {
  read(target: ReadTarget): Promise<Obj[] | undefined> | undefined;
}

/** Prefetched reads sent at once (see ProfileReader.prefetch). */
const PREFETCH_IN_FLIGHT = 2;

/** A read asked of the API server ahead of its turn (prefetch): what it gave, or how it failed. */
type Fetched<T> = { ok: true; value: T } | { ok: false; err: unknown };

function settle<T>(request: Promise<T>): Promise<Fetched<T>> {
  return request.then(
    (value) => ({ ok: true, value }),
    (err: unknown) => ({ ok: false, err }),
  );
}

/**
 * Tolerant reads for the profile: a resource the cluster does not serve, or that the identity may
 * not read, is recorded as absent (with what to do about it) instead of failing the capture.
 * Transport errors (cluster unreachable) still fail: then there is nothing to capture.
 */
export class ProfileReader {
  readonly absent: Absent[] = [];
  readonly #client: KubeClient;
  readonly #served: ReadonlySet<string>;
  readonly #source: ProfileSource | undefined;
  /** Requests asked for reads still to come (prefetch), taken by the read itself. */
  readonly #ahead = new Map<ReadTarget, Promise<Fetched<unknown>>>();
  /** Prefetched requests not sent yet, in the order the reads come, and how many are in flight. */
  readonly #queued: (() => void)[] = [];
  #inFlight = 0;

  /** `served`: group versions the server serves (`v1`, `storage.k8s.io/v1`). */
  constructor(client: KubeClient, served: ReadonlySet<string>, source?: ProfileSource) {
    this.#client = client;
    this.#served = served;
    this.#source = source;
  }

  serves(groupVersion: string): boolean {
    return this.#served.has(groupVersion);
  }

  /**
   * Sends now the requests of reads the capture will make one after the other (`list` for a target
   * without a name, `get` for one with), so that they are answered together instead of one round
   * trip after another. Only what the reads themselves would ask the API server: a type the cluster
   * does not serve, or one the source answers, is left to its read. Each read still takes its
   * answer in its turn, so `absent` comes out in the same order with the same entries.
   */
  prefetch(targets: readonly ReadTarget[]): void {
    for (const target of targets) {
      if (this.#ahead.has(target) || this.#source?.read(target) !== undefined) continue;
      if (target.name === undefined) {
        if (this.serves(groupVersionOf(target))) this.#queue(target, () => this.#listFromServer(target));
      } else this.#queue(target, () => this.#getFromServer(target));
    }
    this.#send();
  }

  /**
   * Queues a prefetched request. PREFETCH_IN_FLIGHT at a time: enough to keep the connections the
   * client already holds busy, while sending all at once would open a TLS connection per read
   * (measured: ~30 ms more CPU for a backup of an empty selection, in lifeboat alone).
   */
  #queue(target: ReadTarget, request: () => Promise<unknown>): void {
    const answer = Promise.withResolvers<Fetched<unknown>>();
    this.#ahead.set(target, answer.promise);
    this.#queued.push(() => {
      this.#inFlight++;
      void settle(request()).then((fetched) => {
        this.#inFlight--;
        answer.resolve(fetched);
        this.#send();
      });
    });
  }

  #send(): void {
    while (this.#inFlight < PREFETCH_IN_FLIGHT && this.#queued.length > 0) this.#queued.shift()!();
  }

  /** Every object the target names, paged; [] and an `absent` entry when they cannot be listed. */
  async list(target: ReadTarget): Promise<Obj[]> {
    const groupVersion = groupVersionOf(target);
    if (!this.serves(groupVersion)) {
      this.absent.push({ what: target.what, reason: `${groupVersion} is not served by this cluster` });
      return [];
    }
    const known = await this.#source?.read(target);
    if (known !== undefined) return known;
    try {
      return await this.#take(target, () => this.#listFromServer(target));
    } catch (err) {
      this.#record(target.what, err);
      return [];
    }
  }

  /** One object; undefined when it does not exist (not recorded) or cannot be read (recorded). */
  async get(target: ReadTarget): Promise<Obj | undefined> {
    const known = await this.#source?.read(target);
    if (known !== undefined) return known[0];
    try {
      return await this.#take(target, () => this.#getFromServer(target));
    } catch (err) {
      this.#record(target.what, err);
      return undefined;
    }
  }

  /** The prefetched answer of the target's read (once), or the request made now. */
  async #take<T>(target: ReadTarget, request: () => Promise<T>): Promise<T> {
    const ahead = this.#ahead.get(target);
    if (ahead === undefined) return request();
    this.#ahead.delete(target);
    const fetched = await ahead;
    if (!fetched.ok) throw fetched.err;
    return fetched.value as T; // prefetch stored what the same request gives
  }

  async #listFromServer(target: ReadTarget): Promise<Obj[]> {
    const items: Obj[] = [];
    const query = { limit: 500, labelSelector: target.labelSelector, retries: 2 };
    for await (const page of listJsonPages<Obj>(this.#client, targetPath(target), query)) items.push(...page);
    return items;
  }

  #getFromServer(target: ReadTarget): Promise<Obj | undefined> {
    return getOrUndefined<Obj>(this.#client, { path: targetPath(target), retries: 2 });
  }

  #record(what: string, err: unknown): void {
    if (!(err instanceof KubeApiError)) throw err;
    const reason =
      err.status === 403
        ? 'forbidden: grant the identity in the kubeconfig get/list on it'
        : err.status === 404
          ? 'not served by this cluster'
          : `the API server answered ${err.status}: ${err.message}`;
    this.absent.push({ what, reason });
  }
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function rec(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : nullObject();
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function strings(value: unknown): string[] {
  return arr(value).filter((v): v is string => typeof v === 'string');
}

export function stringMap(value: unknown): Record<string, string> {
  const out = nullObject<string>();
  for (const [k, v] of Object.entries(rec(value))) if (typeof v === 'string') out[k] = v;
  return out;
}
