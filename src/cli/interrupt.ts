import { LifeboatError } from '../errors/index.ts';
import type { ProgressSink } from '../output/index.ts';

/**
 * Runs a long command's work with an AbortSignal that the first SIGINT or SIGTERM aborts (reason: a
 * LifeboatError INTERRUPTED "interrupted"), so the work can clean up and say what it left behind.
 * The handlers are registered once: a second signal meets Node's default handler and ends the
 * process at once. However the work ends, the progress line is cleared and the handlers removed.
 */
export async function interruptible<T>(
  progress: ProgressSink,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const interrupt = () => controller.abort(new LifeboatError('INTERRUPTED', 'interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    return await work(controller.signal);
  } finally {
    progress.done();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}
