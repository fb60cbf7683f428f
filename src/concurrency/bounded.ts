/**
 * Runs fn over items with at most `limit` at once, started in the items' order; stops starting new
 * ones once `stop()` is true. A failure rejects at once; calls already running finish on their own.
 */
export async function runBounded<T>(
  items: readonly T[],
  limit: number,
  stop: () => boolean,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** fn over every item with at most `limit` at once; the results in the items' order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  await runBounded(
    items.map((_, i) => i),
    limit,
    () => false,
    async (i) => {
      out[i] = await fn(items[i] as T);
    },
  );
  return out;
}
