import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';

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

/**
 * Tolerant reads for the profile: a resource the cluster does not serve, or that the identity may
 * not read, is recorded as absent (with what to do about it) instead of failing the capture.
 * Transport errors (cluster unreachable) still fail: then there is nothing to capture.
 */
export class ProfileReader {
  readonly absent: Absent[] = [];
  readonly #client: KubeClient;
  readonly #served: ReadonlySet<string>;

  /** `served`: group versions the server serves (`v1`, `storage.k8s.io/v1`). */
  constructor(client: KubeClient, served: ReadonlySet<string>) {
    this.#client = client;
    this.#served = served;
  }

  serves(groupVersion: string): boolean {
    return this.#served.has(groupVersion);
  }

  /** Every object of a collection, paged; [] and an `absent` entry when it cannot be listed. */
  async list(what: string, groupVersion: string, path: string): Promise<Obj[]> {
    if (!this.serves(groupVersion)) {
      this.absent.push({ what, reason: `${groupVersion} is not served by this cluster` });
      return [];
    }
    const items: Obj[] = [];
    let cont: string | undefined;
    try {
      do {
        const page = await this.#client.json<{ items?: Obj[]; metadata?: { continue?: string } }>({
          path,
          query: { limit: 500, continue: cont },
          retries: 2,
        });
        items.push(...(page.items ?? []));
        cont = page.metadata?.continue || undefined;
      } while (cont !== undefined);
    } catch (err) {
      this.#record(what, err);
      return [];
    }
    return items;
  }

  /** One object; undefined when it does not exist (not recorded) or cannot be read (recorded). */
  async get(what: string, path: string, recordMissing = false): Promise<Obj | undefined> {
    try {
      return await this.#client.json<Obj>({ path, retries: 2 });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) {
        if (recordMissing) this.absent.push({ what, reason: 'not found' });
        return undefined;
      }
      this.#record(what, err);
      return undefined;
    }
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
    : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function strings(value: unknown): string[] {
  return arr(value).filter((v): v is string => typeof v === 'string');
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(value))) if (typeof v === 'string') out[k] = v;
  return out;
}
