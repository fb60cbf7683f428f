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
  let end = 0;
  return {
    async keep(itemPath, prepared) {
      const bytes = Buffer.from(encode(prepared), 'utf8');
      const offset = end;
      end += bytes.length;
      spans.set(itemPath, { offset, length: bytes.length });
      let done = 0;
      while (done < bytes.length)
        done += (await handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
    },
    async get(itemPath) {
      const span = spans.get(itemPath);
      if (span === undefined) return undefined;
      const bytes = Buffer.alloc(span.length);
      let done = 0;
      while (done < span.length) {
        const { bytesRead } = await handle.read(bytes, done, span.length - done, span.offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return parseJson(bytes.toString('utf8')) as PreparedItem;
    },
    close: () => handle.close(),
  };
}

/** JSON.stringify runs out of stack on very deep objects; Go's encoder has a stack of its own. */
function encode(prepared: PreparedItem): string {
  try {
    return JSON.stringify(prepared);
  } catch (err) {
    if (err instanceof RangeError) return goMarshal(prepared);
    throw err;
  }
}
