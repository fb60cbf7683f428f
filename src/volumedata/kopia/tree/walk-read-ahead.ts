// A snapshot's walk of the source, started before the repository is open and read ahead into a queue.
import { type LocalDirectory, walkBelow, walkRoot, type WalkOptions } from './walk-tree.ts';

/**
 * Entries (and directories) the read-ahead queues before it waits for the writer to take some. A
 * queued entry held ~180 bytes of heap with a short name (measured: a walk of 10k files in 101
 * directories held whole, 1.8 MB), so the bound holds ~12 MB, more with long names (a name's
 * characters on top). A directory is queued whole: one larger than the bound goes over it by its
 * own size, which the walk holds anyway while it reads that directory.
 */
export const READ_AHEAD_ENTRIES = 65_536;

export interface ReadAheadOptions extends WalkOptions {
  /** The bound of queued entries (default READ_AHEAD_ENTRIES). */
  maxEntries?: number;
  /** Aborting stops the read-ahead; the iteration then throws the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** Directories being read ahead: iterate it once (that takes what was read), stop it when done. */
export interface ReadAhead extends AsyncIterable<LocalDirectory> {
  /** Stops reading ahead and drops what was read and any error still to come; idempotent. */
  stop(): void;
}

/** walkTree(root) being read ahead. */
export interface WalkReadAhead extends ReadAhead {
  /** Resolves once the root is read; rejects with walkTree's error for a missing root or a file. */
  rootChecked(): Promise<void>;
}

/**
 * Starts walkTree(root) and reads it ahead (readAhead). Why: reading the source needs nothing from
 * the repository, so it runs while the repository's format key is derived (scrypt in the thread
 * pool, ~200-250 ms during which this thread had nothing to do) and its index loads. Measured on 10k
 * files / 1 GiB, filesystem location, two runs of 10 interleaved pairs of the built CLI (load 2.6,
 * then 1.7 on 2 cores): a no-change re-snapshot in 0.64 s median both times, against 0.78 s and
 * 0.70 s without, the same CPU time; the walk now falls in scrypt's window (CPU profile), and peak
 * RSS is 13 MB higher (148 MB) as the two overlap.
 */
export function readAheadWalk(root: string, options: ReadAheadOptions = {}): WalkReadAhead {
  const self = walkRoot(root);
  self.catch(() => undefined); // reported by the iteration, and by rootChecked() if asked
  async function* walk() {
    yield* walkBelow(root, await self, options);
  }
  const ahead = readAhead(walk(), options);
  return {
    rootChecked: async () => {
      await self;
    },
    stop: () => ahead.stop(),
    [Symbol.asyncIterator]: () => ahead[Symbol.asyncIterator](),
  };
}

/**
 * Takes a walk's directories as soon as they come, queued in their order, while the queue holds at
 * most maxEntries entries (a directory counts for itself and its entries); the iteration takes them
 * from the queue. An error of the walk reaches the iteration where the walk met it, after the
 * directories read before it, and is never left unhandled, whether or not anything iterates.
 */
export function readAhead(walk: AsyncIterable<LocalDirectory>, options: ReadAheadOptions = {}): ReadAhead {
  const maxEntries = options.maxEntries ?? READ_AHEAD_ENTRIES;
  const { signal } = options;
  const queue: LocalDirectory[] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;
  const wake = () => {
    wakeReader?.();
    wakeWriter?.();
    wakeReader = wakeWriter = undefined;
  };
  const finish = () => {
    ended = true;
    signal?.removeEventListener('abort', stop);
    wake();
  };
  function stop() {
    queue.length = 0;
    queued = 0;
    finish();
  }
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted === true) stop();

  const read = async () => {
    if (ended) return;
    for await (const d of walk) {
      if (ended) return;
      queue.push(d);
      queued += 1 + d.entries.length;
      wake();
      while (queued > maxEntries && !ended) {
        await new Promise<void>((r) => {
          wakeReader = r;
        });
      }
      if (ended) return;
    }
  };
  void read()
    .catch((error: unknown) => {
      if (!ended) failure = { error };
    })
    .finally(finish);

  return {
    stop,
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          signal?.throwIfAborted();
          const d = queue.shift();
          if (d !== undefined) {
            queued -= 1 + d.entries.length;
            wake();
            yield d;
          } else if (failure !== undefined) throw failure.error;
          else if (ended) return;
          else {
            await new Promise<void>((r) => {
              wakeWriter = r;
            });
          }
        }
      } finally {
        stop();
      }
    },
  };
}
