// Node's ciphers cannot write into a caller's buffer: update() returns a new Buffer for every piece
// it encrypts or decrypts, which the engine copies into a pack or over the ciphertext and drops at
// once. Left to V8, those dead pieces were collected late and expensively: a restore of 10k files
// (1 GiB) ran 101 full mark-compacts and 9 scavenges on its main thread (--trace-gc), and a sealing
// worker's glibc arena filled with them to 64 MiB (~70 MB of RSS per worker). A young-generation
// collection every few MiB of pieces frees them while they are young and cheap to find: the same
// restore then ran 12 mark-compacts and 257 scavenges.
//
// Measured on that tree (2 cores): the restore's user CPU 6.0–6.4 → 3.8–4.3 s (into tmpfs, to keep
// the disk out of it); a snapshot's peak RSS with one worker 236–249 → 167–170 MB, with two
// 320–324 → 187–191 MB.
//
// V8 exposes collections to scripts only with --expose-gc. It is set here at run time, once per
// thread (V8 flags are the process's), and the `gc` function taken from a fresh context, where the
// flag installs it; where that fails the pieces are left to V8 as before.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes of pieces between two young-generation collections. */
export const PIECE_GARBAGE_EVERY = 4 << 20;

type Collect = (options: { type: 'minor' }) => void;

let collect: Collect | null | undefined;
let since = 0;

function exposedCollect(): Collect | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    return null;
  }
}

/** Counts bytes of cipher pieces made and dropped on this thread; collects them every few MiB. */
export function droppedPieces(bytes: number): void {
  since += bytes;
  if (since < PIECE_GARBAGE_EVERY) return;
  since = 0;
  collect ??= exposedCollect();
  collect?.({ type: 'minor' });
}
