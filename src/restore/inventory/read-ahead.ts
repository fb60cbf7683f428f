/**
 * Reads items a few ahead of their consumer, in order, bounded both in count and in bytes: the
 * items read ahead are held in memory until consumed, and one archive may hold entries of up to
 * maxEntryBytes each.
 */

export interface ReadAheadBounds {
  /** Most reads in flight or waiting to be consumed. */
  items: number;
  /** Most stored bytes of those items together; one item larger than this is still read, alone. */
  bytes: number;
}

/**
 * 32 reads keep the spool file's reads overlapped for the small items of a real backup (a few KiB
 * each); 32 MiB of raw JSON (a few times that once parsed) bounds the memory when items are large.
 */
export const READ_AHEAD: ReadAheadBounds = { items: 32, bytes: 32 * 1024 * 1024 };

/** Yields each entry with what `read` made of it, in order, within `bounds`. */
export async function* readAhead<T extends { path: string }, R>(
  entries: readonly T[],
  read: (path: string) => Promise<R>,
  bytesOf: (path: string) => number,
  bounds: ReadAheadBounds = READ_AHEAD,
): AsyncGenerator<[T, R]> {
  const inFlight: { promise: Promise<R>; bytes: number }[] = [];
  let held = 0;
  let next = 0;
  const roomFor = (bytes: number) =>
    inFlight.length === 0 || (inFlight.length < bounds.items && held + bytes <= bounds.bytes);
  for (const entry of entries) {
    while (next < entries.length) {
      const path = (entries[next] as T).path;
      const bytes = bytesOf(path);
      if (!roomFor(bytes)) break;
      const promise = read(path);
      // Awaited in order below; a later failure must not count as unhandled meanwhile.
      promise.catch(() => undefined);
      inFlight.push({ promise, bytes });
      held += bytes;
      next++;
    }
    const first = inFlight.shift() as { promise: Promise<R>; bytes: number };
    held -= first.bytes;
    yield [entry, await first.promise];
  }
}
