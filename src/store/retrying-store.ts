import { Readable } from 'node:stream';
import { isLifeboatError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { isAlreadyExists, type ObjectInfo, type ObjectStore, type PutOptions } from './object-store.ts';

export interface RetryOptions {
  /** Total attempts per operation, first included (default 5). */
  maxAttempts?: number;
  /** First backoff ceiling in ms; doubles each attempt (default 200). */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms (default 5000). */
  maxDelayMs?: number;
  logger?: Logger;
  /** For tests: how to wait, and the random source of the jitter. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** True when the error says a retry may succeed (`details.transient`). */
export function isTransient(err: unknown): boolean {
  return isLifeboatError(err) && err.details?.['transient'] === true;
}

/**
 * Retries transient failures with exponential backoff and full jitter, a bounded number of times.
 * A put whose body is a stream is not retried (the stream is consumed); a listing that fails midway
 * resumes after the last key it yielded.
 */
export class RetryingObjectStore implements ObjectStore {
  readonly description: string;
  readonly atomicCreate: boolean;
  readonly #inner: ObjectStore;
  readonly #maxAttempts: number;
  readonly #base: number;
  readonly #max: number;
  readonly #logger: Logger | undefined;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(inner: ObjectStore, options: RetryOptions = {}) {
    this.#inner = inner;
    this.description = inner.description;
    this.atomicCreate = inner.atomicCreate;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#base = options.baseDelayMs ?? 200;
    this.#max = options.maxDelayMs ?? 5000;
    this.#logger = options.logger;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
  }

  async put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void> {
    if (body instanceof Readable) return this.#inner.put(key, body, options);
    if (options?.ifNoneMatch === undefined)
      return this.#retry('put', key, () => this.#inner.put(key, body, options), options?.signal);
    // A create-only put that failed in transit may have landed: a retry then finds the key taken.
    // It is ours if it holds exactly our bytes (a claim carries a nonce, so no other writer's can).
    let retried = false;
    const attempt = async () => {
      try {
        await this.#inner.put(key, body, options);
      } catch (err) {
        if (retried && isAlreadyExists(err) && (await this.#holds(key, body))) return;
        retried ||= isTransient(err);
        throw err;
      }
    };
    return this.#retry('put', key, attempt, options.signal);
  }

  async #holds(key: string, body: Buffer | string): Promise<boolean> {
    const want = typeof body === 'string' ? Buffer.from(body) : body;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of await this.get(key)) {
      size += (chunk as Buffer).length;
      if (size > want.length) return false;
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).equals(want);
  }

  get(key: string): Promise<Readable> {
    return this.#retry('get', key, () => this.#inner.get(key));
  }

  getRange(key: string, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    return this.#retry('getRange', key, () => this.#inner.getRange(key, offset, length, into));
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.#retry('head', key, () => this.#inner.head(key));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let last: string | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const info of this.#inner.list(prefix)) {
          if (last !== undefined && Buffer.compare(Buffer.from(info.key), Buffer.from(last)) <= 0) continue;
          last = info.key;
          yield info;
        }
        return;
      } catch (err) {
        if (!isTransient(err) || attempt >= this.#maxAttempts) throw err;
        await this.#backoff('list', prefix, attempt, err);
      }
    }
  }

  listCommonPrefixes(prefix: string, delimiter?: string): Promise<string[]> {
    return this.#retry('listCommonPrefixes', prefix, () => this.#inner.listCommonPrefixes(prefix, delimiter));
  }

  delete(key: string): Promise<void> {
    return this.#retry('delete', key, () => this.#inner.delete(key));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #retry<T>(operation: string, key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransient(err) || attempt >= this.#maxAttempts || signal?.aborted === true) throw err;
        await this.#backoff(operation, key, attempt, err);
      }
    }
  }

  async #backoff(operation: string, key: string, attempt: number, err: unknown): Promise<void> {
    const ceiling = Math.min(this.#max, this.#base * 2 ** (attempt - 1));
    const delay = Math.round(this.#random() * ceiling);
    this.#logger?.warn(
      { operation, key, attempt, maxAttempts: this.#maxAttempts, delayMs: delay, err },
      `${operation} on ${this.description} failed, retrying`,
    );
    await this.#sleep(delay);
  }
}
