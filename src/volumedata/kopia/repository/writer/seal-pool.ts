import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, ErrorCodes, LifeboatError } from '../../../../errors/index.ts';
import type { KopiaRepository } from '../repository.ts';
import { inlineSealer, sealedBytes, type Sealed, type Sealer } from './sealer.ts';

/** Contents smaller than this are hashed and sealed on the calling thread (a message costs more). */
const INLINE_BELOW = 128 * 1024;
/** The same for contents in shared memory, which reach a worker without a copy. */
const SHARED_INLINE_BELOW = 16 * 1024;

const inlineFor = (data: Buffer) =>
  data.length < (data.buffer instanceof SharedArrayBuffer ? SHARED_INLINE_BELOW : INLINE_BELOW);

interface Reply {
  id: number;
  hash?: Uint8Array;
  compressionHeaderId?: number;
  payload?: ArrayBuffer;
  error?: string;
  code?: string;
}

type SealRequest =
  | { op: 'hash'; data: Buffer }
  | { op: 'seal'; data: Buffer; contentId: string; compressor: string | undefined };

interface Pending {
  resolve: (r: Reply) => void;
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
    this.worker.on('message', (r: Reply) => {
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
      if (this.pending.size > 0) this.failAll(new Error(`a seal worker exited with code ${code}`));
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/**
 * Where the worker's module is: beside this one in the sources; in the CLI's bundle (scripts/build.ts),
 * seal-worker.js beside the entry, this module being in a chunk one folder down. Absent (a bundle
 * that did not build it), sealing stays on the calling thread.
 */
export const SEAL_WORKER_URL = [
  new URL('./seal-worker.ts', import.meta.url),
  new URL('../seal-worker.js', import.meta.url),
  new URL('./seal-worker.js', import.meta.url),
].find((u) => u.protocol === 'file:' && existsSync(fileURLToPath(u)));

/**
 * Hashing and sealing of file chunks on worker threads (one per core by default), so a snapshot
 * uses every core of a node. A chunk in shared memory (BufferPool's shared buffers) reaches the
 * worker without a copy, others are copied; the sealed bytes come back transferred. Small contents
 * stay on this thread. Falls back to this thread when the worker module is not there.
 */
export function createSealerPool(
  repo: KopiaRepository,
  options: { workers?: number; workerUrl?: URL } = {},
): Sealer {
  const inline = inlineSealer(repo.hash, repo.encryptor);
  const url = options.workerUrl ?? SEAL_WORKER_URL;
  const count = options.workers ?? availableParallelism();
  if (count < 1 || url === undefined || url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) {
    return inline;
  }
  const { config } = repo.format;
  const keys = {
    hash: config.hash,
    secret: config.secret,
    encryption: config.encryption,
    masterKey: config.masterKey,
  };
  const workers = Array.from({ length: count }, () => new PoolWorker(url, keys));
  let nextId = 0;

  const send = (message: SealRequest): Promise<Reply> => {
    let best = workers[0];
    for (const w of workers) if (best === undefined || w.pending.size < best.pending.size) best = w;
    if (best === undefined) return Promise.reject(new Error('the seal pool is closed'));
    const id = nextId++;
    const target = best;
    return new Promise<Reply>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage({ ...message, id });
    });
  };

  return {
    async hash(data: Buffer): Promise<Buffer> {
      if (inlineFor(data)) return inline.hash(data);
      const r = await send({ op: 'hash', data });
      if (r.hash === undefined) throw new Error('a seal worker replied without a hash');
      return Buffer.from(r.hash.buffer, r.hash.byteOffset, r.hash.byteLength);
    },
    async seal(data: Buffer, contentId: string, compressor?: string): Promise<Sealed> {
      if (inlineFor(data)) return inline.seal(data, contentId, compressor);
      const r = await send({ op: 'seal', data, contentId, compressor });
      if (r.payload === undefined) throw new Error('a seal worker replied without a payload');
      return sealedBytes(r.compressionHeaderId ?? 0, Buffer.from(r.payload));
    },
    async close(): Promise<void> {
      const all = workers.splice(0);
      await Promise.all(all.map((w) => w.worker.terminate()));
    },
  };
}
