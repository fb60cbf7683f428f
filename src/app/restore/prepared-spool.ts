import { open, unlink } from 'node:fs/promises';
import { goMarshal, parseJson } from '../../gojson/index.ts';
import type { PreparedItem, PreparedItems } from '../../restore/index.ts';

/** Prepared items in one private spool file, each read back by offset: memory holds two numbers per item. */
export interface PreparedSpool extends PreparedItems {
  close(): Promise<void>;
}

/**
 * Creates `path` (which must not exist, mode 0600) and unlinks it at once where the OS allows, like
 * the archive's spool: it disappears with its handle. Int64 values stay exact (parseJson).
 */
export async function openPreparedSpool(path: string): Promise<PreparedSpool> {
  const handle = await open(path, 'wx+', 0o600);
  await unlink(path).catch(() => undefined);
  const spans = new Map<string, { offset: number; length: number }>();
  // Items are kept in order and written in batches: one write per FLUSH_BYTES, not one per item
  // (10k awaited writes cost the inventory seconds). Everything before `written` is in the file.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let written = 0;
  let writing: Promise<void> = Promise.resolve(); // the batches handed to the file, one after another
  const flush = (): Promise<void> => {
    if (pendingBytes === 0) return writing;
    const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    const offset = written;
    pending = [];
    pendingBytes = 0;
    written += bytes.length;
    writing = writing.then(async () => {
      let done = 0;
      while (done < bytes.length)
        done += (await handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
    });
    return writing;
  };
  return {
    async keep(itemPath, prepared) {
      const bytes = Buffer.from(encode(prepared), 'utf8');
      spans.set(itemPath, { offset: written + pendingBytes, length: bytes.length });
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= FLUSH_BYTES) await flush();
    },
    async get(itemPath) {
      const span = spans.get(itemPath);
      if (span === undefined) return undefined;
      await flush(); // nothing is read before the batch that holds it is in the file
      const bytes = Buffer.alloc(span.length);
      let done = 0;
      while (done < span.length) {
        const { bytesRead } = await handle.read(bytes, done, span.length - done, span.offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return parseJson(bytes.toString('utf8')) as PreparedItem;
    },
    close: async () => {
      await writing.catch(() => undefined);
      await handle.close();
    },
  };
}

/** Bytes of prepared items gathered before they are written to the spool in one call. */
const FLUSH_BYTES = 1 << 20;

/** JSON.stringify runs out of stack on very deep objects; Go's encoder has a stack of its own. */
function encode(prepared: PreparedItem): string {
  try {
    return JSON.stringify(prepared);
  } catch (err) {
    if (err instanceof RangeError) return goMarshal(prepared);
    throw err;
  }
}
