import { Readable } from 'node:stream';
import { LifeboatError } from '../../../errors/index.ts';
import {
  alreadyExists,
  checkRange,
  rangeBuffer,
  rangeOutsideObject,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from '../../object-store.ts';

interface StoredObject {
  data: Buffer;
  lastModified: Date;
}

/** A failure to inject before an operation runs (unit tests of retries and write order). */
export type FaultInjector = (operation: string, key: string) => Error | undefined;

export interface MemoryStoreOptions {
  description?: string;
  /** Whether create-only puts count as atomic (default true); false stands for a server like versitygw. */
  atomicCreate?: boolean;
  /** Called before each operation; a returned error is thrown instead of running it. */
  fault?: FaultInjector;
}

/** An ObjectStore held in process memory, for unit tests. Key order is byte order, like S3. */
export class MemoryObjectStore implements ObjectStore {
  readonly description: string;
  readonly atomicCreate: boolean;
  readonly #objects = new Map<string, StoredObject>();
  #fault: FaultInjector | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.description = options.description ?? 'memory://';
    this.atomicCreate = options.atomicCreate ?? true;
    this.#fault = options.fault;
  }

  /** Replaces (or removes) the fault injector. */
  setFault(fault: FaultInjector | undefined): void {
    this.#fault = fault;
  }

  /** Every key held, in key order (for assertions). */
  keys(): string[] {
    return sortedKeys(this.#objects.keys());
  }

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<void> {
    this.#inject('put', key);
    const data = await collect(body, options.signal);
    options.signal?.throwIfAborted();
    // The check and the write happen in one turn of the event loop: atomic, as a store's precondition.
    if (options.ifNoneMatch === '*' && this.#objects.has(key)) throw alreadyExists(key, this.description);
    this.#objects.set(key, { data, lastModified: new Date() });
  }

  async get(key: string): Promise<Readable> {
    this.#inject('get', key);
    const object = this.#objects.get(key);
    if (object === undefined) throw this.#missing(key);
    return Promise.resolve(Readable.from([object.data]));
  }

  async getRange(key: string, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    checkRange(key, offset, length, this.description);
    this.#inject('getRange', key);
    const object = this.#objects.get(key);
    if (object === undefined) throw this.#missing(key);
    if (offset + length > object.data.length)
      throw rangeOutsideObject(key, this.description, { offset, length }, object.data.length);
    const out = rangeBuffer(length, into);
    object.data.copy(out, 0, offset, offset + length);
    return Promise.resolve(out);
  }

  #missing(key: string): LifeboatError {
    return new LifeboatError('NOT_FOUND', `object ${key} not found in ${this.description}`, {
      details: { transient: false, key },
    });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.#inject('head', key);
    const object = this.#objects.get(key);
    return Promise.resolve(
      object === undefined ? undefined : { key, size: object.data.length, lastModified: object.lastModified },
    );
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.#inject('list', prefix);
    for (const key of sortedKeys(this.#objects.keys())) {
      const object = this.#objects.get(key);
      if (!key.startsWith(prefix) || object === undefined) continue;
      yield await Promise.resolve({ key, size: object.data.length, lastModified: object.lastModified });
    }
  }

  async listCommonPrefixes(prefix: string, delimiter = '/'): Promise<string[]> {
    this.#inject('listCommonPrefixes', prefix);
    const prefixes = new Set<string>();
    for (const key of this.#objects.keys()) {
      if (!key.startsWith(prefix)) continue;
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) prefixes.add(key.slice(0, at + delimiter.length));
    }
    return Promise.resolve(sortedKeys(prefixes));
  }

  async delete(key: string): Promise<void> {
    this.#inject('delete', key);
    this.#objects.delete(key);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    return Promise.resolve();
  }

  #inject(operation: string, key: string): void {
    const err = this.#fault?.(operation, key);
    if (err !== undefined) throw err;
  }
}

function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function collect(body: Readable | Buffer | string, signal: AbortSignal | undefined): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    signal?.throwIfAborted();
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  }
  return Buffer.concat(chunks);
}
