import { LifeboatError } from '../errors/index.ts';
import type { ProgressSink } from '../output/index.ts';

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/**
 * Calls `handler` at the first SIGINT or SIGTERM. Both handlers go at that first signal, so a second
 * one meets Node's default handler and ends the process at once. Returns what removes them sooner.
 */
export function onFirstInterrupt(handler: (signal: InterruptSignal) => void): () => void {
  const off = () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
  const onInt = () => {
    off();
    handler('SIGINT');
  };
  const onTerm = () => {
    off();
    handler('SIGTERM');
  };
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return off;
}

/** Resolves with the first SIGINT or SIGTERM (a long-running command's cue to shut down). */
export function untilInterrupted(): Promise<InterruptSignal> {
  return new Promise((resolve) => onFirstInterrupt(resolve));
}

/**
 * Runs a long command's work with an AbortSignal that the first SIGINT or SIGTERM aborts (reason: a
 * LifeboatError INTERRUPTED "interrupted"), so the work can clean up and say what it left behind.
 * However the work ends, the progress line is cleared and the handlers removed.
 */
export async function interruptible<T>(
  progress: ProgressSink,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const off = onFirstInterrupt(() => controller.abort(new LifeboatError('INTERRUPTED', 'interrupted')));
  try {
    return await work(controller.signal);
  } finally {
    progress.done();
    off();
  }
}
