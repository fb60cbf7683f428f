import { gzipSync, createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { LifeboatError } from '../errors/index.ts';

/** gzip(JSON + "\n"), the encoding of Velero's .json.gz sidecars (compact JSON, one trailing newline). */
export function gzipJsonLine(value: unknown): Buffer {
  return gzipSync(Buffer.from(`${JSON.stringify(value)}\n`, 'utf8'));
}

/**
 * Reads a gzipped JSON document from a stream. A broken gzip or JSON body is CORRUPT naming `what`
 * (usually the object key); more than maxBytes of JSON is refused rather than buffered.
 */
export async function readGzipJson<T>(
  stream: Readable,
  what = 'object',
  maxBytes = 512 * 1024 * 1024,
): Promise<T> {
  const text = await readGunzipped(stream, what, maxBytes);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new LifeboatError('CORRUPT', `${what} is not valid JSON`, {
      cause: err,
      hint: 'the file was damaged or not written by Velero or lifeboat',
      details: { key: what },
    });
  }
}

async function readGunzipped(stream: Readable, what: string, maxBytes: number): Promise<string> {
  const gunzip = createGunzip();
  stream.on('error', (err) => gunzip.destroy(err));
  stream.pipe(gunzip);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of gunzip) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        throw new LifeboatError('CORRUPT', `${what} is larger than ${maxBytes} bytes once uncompressed`, {
          details: { key: what },
        });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof LifeboatError) throw err;
    throw new LifeboatError('CORRUPT', `${what} is not a valid gzip file`, {
      cause: err,
      hint: 'the file was damaged or not written by Velero or lifeboat',
      details: { key: what },
    });
  }
  return Buffer.concat(chunks).toString('utf8');
}
