/**
 * Gives start(item) for each item, in the items' order, having started up to `limit` of them ahead:
 * the first `limit` are started now, and each one taken starts the next. Nothing is awaited here —
 * start begins the work (e.g. sends a request) and gives its handle; the caller consumes the handles
 * in order while the next ones are under way. A handle never taken is simply dropped: start must
 * not leave a rejection unhandled.
 */
export function lookahead<T, R>(
  items: readonly T[],
  limit: number,
  start: (item: T) => R,
): IterableIterator<R> {
  const started: R[] = [];
  let next = 0;
  const fill = () => {
    while (next < items.length && started.length < Math.max(1, limit))
      started.push(start(items[next++] as T));
  };
  fill();
  const iterator: IterableIterator<R> = {
    next: () => {
      if (started.length === 0) return { done: true, value: undefined };
      const value = started.shift() as R;
      fill();
      return { done: false, value };
    },
    [Symbol.iterator]: () => iterator,
  };
  return iterator;
}
