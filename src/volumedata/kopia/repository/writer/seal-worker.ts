// A worker thread of the crypto pool (../crypto-pool.ts): hashes and opens contents with the
// repository's keys, which it receives once in workerData. Messages: {id, op: 'hash', data} →
// {id, hash}; {id, op: 'open', data, contentId, compressionHeaderId, originalLength, checkHash} →
// {id, payload, length} (the plaintext hashed against its ID unless checkHash is false); {id, op:
// 'seal', data, contentId, out, offset} (data and out in shared memory: the content is encrypted
// straight into a pack buffer) → {id, length}; errors come back as {id, error, code}.
import { parentPort, workerData } from 'node:worker_threads';
import { ivForContent, openContent } from '../../crypto/content.ts';
import { createEncryptor } from '../../crypto/encryption.ts';
import { createHasher } from '../../crypto/hashing.ts';

interface Keys {
  hash: string;
  secret: Uint8Array;
  encryption: string;
  masterKey: Uint8Array;
}

interface Request {
  id: number;
  op: 'hash' | 'open' | 'seal';
  data: Uint8Array;
  contentId?: string;
  compressionHeaderId?: number;
  originalLength?: number;
  checkHash?: boolean;
  out?: Uint8Array;
  offset?: number;
}

const keys = workerData as Keys;
const hash = await createHasher(keys.hash, Buffer.from(keys.secret));
const encryptor = createEncryptor(keys.encryption, Buffer.from(keys.masterKey));
const port = parentPort;

/** Bytes that own their whole ArrayBuffer go back transferred; others are copied into one that does. */
function transferable(bytes: Buffer): { payload: ArrayBuffer; length: number } {
  const whole = bytes.buffer;
  if (whole instanceof ArrayBuffer && bytes.byteOffset === 0 && whole.byteLength < 2 * bytes.length + 4096) {
    return { payload: whole, length: bytes.length };
  }
  const payload = new ArrayBuffer(bytes.length);
  bytes.copy(Buffer.from(payload));
  return { payload, length: bytes.length };
}

function open(req: Request): { payload: ArrayBuffer; length: number } {
  const data = Buffer.from(req.data.buffer, req.data.byteOffset, req.data.byteLength);
  const entry = {
    contentId: req.contentId ?? '',
    compressionHeaderId: req.compressionHeaderId ?? 0,
    originalLength: req.originalLength ?? 0,
  };
  return transferable(
    openContent(hash, encryptor, entry, data, { inPlace: true, checkHash: req.checkHash !== false }),
  );
}

function seal(req: Request): number {
  if (req.out === undefined || req.offset === undefined) throw new Error('a seal request without its output');
  const out = Buffer.from(req.out.buffer, req.out.byteOffset, req.out.byteLength);
  return encryptor.encryptInto(req.data, ivForContent(req.contentId ?? ''), out, req.offset);
}

port?.on('message', (req: Request) => {
  try {
    if (req.op === 'hash') {
      const h = hash(req.data);
      port.postMessage({ id: req.id, hash: h });
    } else if (req.op === 'seal') {
      port.postMessage({ id: req.id, length: seal(req) });
    } else {
      const opened = open(req);
      port.postMessage({ id: req.id, ...opened }, [opened.payload]);
    }
  } catch (err) {
    const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err), code });
  }
});
