// A worker thread of the seal pool: hashes and seals contents with the repository's keys, which
// it receives once in workerData. Messages: {id, op: 'hash', data} → {id, hash};
// {id, op: 'seal', data, contentId, compressor?} → {id, compressionHeaderId, payload}; errors come
// back as {id, error, code}.
import { parentPort, workerData } from 'node:worker_threads';
import { createEncryptor } from '../../crypto/encryption.ts';
import { createHasher } from '../../crypto/hashing.ts';
import { sealSync } from './sealer.ts';

interface Keys {
  hash: string;
  secret: Uint8Array;
  encryption: string;
  masterKey: Uint8Array;
}

interface Request {
  id: number;
  op: 'hash' | 'seal';
  data: Uint8Array;
  contentId?: string;
  compressor?: string;
}

const keys = workerData as Keys;
const hash = await createHasher(keys.hash, Buffer.from(keys.secret));
const encryptor = createEncryptor(keys.encryption, Buffer.from(keys.masterKey));
const port = parentPort;

port?.on('message', (req: Request) => {
  try {
    if (req.op === 'hash') {
      const h = hash(req.data);
      port.postMessage({ id: req.id, hash: h });
    } else {
      const sealed = sealSync(encryptor, req.data, req.contentId ?? '', req.compressor);
      const payload = new ArrayBuffer(sealed.length);
      sealed.writeTo(Buffer.from(payload), 0);
      // Transferred, not copied.
      port.postMessage({ id: req.id, compressionHeaderId: sealed.compressionHeaderId, payload }, [payload]);
    }
  } catch (err) {
    const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err), code });
  }
});
