// Worker threads holding the repository's keys: snapshots hash file chunks on them, restores open
// (decrypt, decompress) file contents on them, so both can use every core.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, ErrorCodes, LifeboatError } from '../../../errors/index.ts';
import type { RepositoryFormat } from '../format/repository-format.ts';

/** What a worker answers (writer/seal-worker.ts): one of hash, payload or error, by request id. */
export interface CryptoReply {
  id: number;
  hash?: Uint8Array;
  /** The plaintext (open), transferred. */
  payload?: ArrayBuffer;
  /** Of payload, the bytes that count. */
  length?: number;
  error?: string;
  code?: string;
}

export type CryptoRequest =
  | { op: 'hash'; data: Uint8Array }
  /** Encrypts data (uncompressed) into out at offset, both in shared memory; replies with the length. */
  | { op: 'seal'; data: Uint8Array; contentId: string; out: Uint8Array; offset: number }
  | {
      op: 'open';
      data: Uint8Array;
      contentId: string;
      compressionHeaderId: number;
      originalLength: number;
      /** Hash the plaintext against its ID (false: the authenticated decryption is the check). */
      checkHash: boolean;
    };

/** Worker threads answering CryptoRequests, the least busy one first. */
export interface CryptoPool {
  readonly size: number;
  /** Requests the workers answered without an error. */
  readonly answered: number;
  /** Sends a request; `transfer` lists buffers handed over (unusable here afterwards). */
  request(message: CryptoRequest, transfer?: ArrayBuffer[]): Promise<CryptoReply>;
  close(): Promise<void>;
}

/** Worker threads to use: a number, or `auto` for one per core this process would find idle. */
export type WorkerCount = number | 'auto';

/**
 * The number of workers `auto` or a number means on this machine now. `auto` on a machine of two
 * cores or more starts at least one worker, and one more per core beyond two that the 1-minute load
 * average leaves idle. A busy machine still gets its one worker: the OS shares the cores, and a
 * snapshot whose worker hashes and seals while this thread reads files took 35–40 % less wall time
 * and no more CPU than one on this thread alone (10k files, 1 GiB, 2 cores at load 8–12). More
 * workers than idle cores only cost memory and switches.
 */
export function workerCount(
  workers: WorkerCount | undefined,
  machine: { cores: number; load: number } = { cores: availableParallelism(), load: loadavg()[0] ?? 0 },
): number {
  if (workers === undefined || workers === 'auto') {
    if (machine.cores < 2) return 0;
    // Idle cores, rounded to the nearest, less the one this thread takes; at least one.
    return Math.max(1, Math.round(machine.cores - machine.load) - 1);
  }
  return Math.max(0, Math.floor(workers));
}

interface Pending {
  resolve: (r: CryptoReply) => void;
  reject: (e: Error) => void;
}

function errorCode(code: string | undefined): ErrorCode {
  return ErrorCodes.find((c) => c === code) ?? 'INTERNAL';
}

class PoolWorker {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();

  constructor(url: URL, keys: object) {
    this.worker = new Worker(url, { workerData: keys });
    this.worker.unref();
    this.worker.on('message', (r: CryptoReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (p === undefined) return;
      if (r.error === undefined) p.resolve(r);
      else p.reject(new LifeboatError(errorCode(r.code), r.error));
    });
    this.worker.on('error', (err: unknown) =>
      this.failAll(err instanceof Error ? err : new Error(String(err))),
    );
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0) this.failAll(new Error(`a crypto worker exited with code ${code}`));
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/**
 * Where the worker's module is: in the sources, writer/seal-worker.ts; in the CLI's bundle
 * (scripts/build.ts), seal-worker.js beside the entry, this module being in a chunk one folder down
 * or in the entry itself. Absent (a bundle that did not build it), work stays on the calling thread.
 */
export const SEAL_WORKER_URL = [
  new URL('./writer/seal-worker.ts', import.meta.url),
  new URL('../seal-worker.js', import.meta.url),
  new URL('./seal-worker.js', import.meta.url),
].find((u) => u.protocol === 'file:' && existsSync(fileURLToPath(u)));

/**
 * A pool of `workers` threads with the repository's keys, started at its first request (a volume
 * whose chunks all stay on the calling thread starts none); undefined when there are none to start
 * (a count below 1, or no worker module), and the caller then works on its own thread.
 */
export function startCryptoPool(
  repo: { format: RepositoryFormat },
  options: { workers: number; workerUrl?: URL | undefined },
): CryptoPool | undefined {
  const url = options.workerUrl ?? SEAL_WORKER_URL;
  if (options.workers < 1 || url?.protocol !== 'file:' || !existsSync(fileURLToPath(url))) {
    return undefined;
  }
  const { config } = repo.format;
  const keys = {
    hash: config.hash,
    secret: config.secret,
    encryption: config.encryption,
    masterKey: config.masterKey,
  };
  let workers: PoolWorker[] | undefined;
  let closed = false;
  const started = () =>
    (workers ??= Array.from({ length: options.workers }, () => new PoolWorker(url, keys)));
  let nextId = 0;
  let answered = 0;
  return {
    size: options.workers,
    get answered() {
      return answered;
    },
    async request(message, transfer) {
      if (closed) throw new Error('the crypto pool is closed');
      const all = started();
      let best = all[0];
      for (const w of all) if (best === undefined || w.pending.size < best.pending.size) best = w;
      if (best === undefined) throw new Error('the crypto pool has no worker');
      const id = nextId++;
      const target = best;
      const reply = await new Promise<CryptoReply>((resolve, reject) => {
        target.pending.set(id, { resolve, reject });
        target.worker.postMessage({ ...message, id }, transfer ?? []);
      });
      answered++;
      return reply;
    },
    async close() {
      closed = true;
      const all = workers ?? [];
      workers = [];
      await Promise.all(all.map((w) => w.worker.terminate()));
    },
  };
}
