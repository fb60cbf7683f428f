import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryBlobs } from '../blob/memory-blobs.ts';
import { sealContent } from '../crypto/content.ts';
import { createEncryptor } from '../crypto/encryption.ts';
import { createHasher, type HashFunc } from '../crypto/hashing.ts';
import { PBKDF2 } from '../format/key-derivation.ts';
import { createRepositoryFormat, type RepositoryFormat } from '../format/repository-format.ts';
import { pooledOpener } from './content-opener.ts';
import { type CryptoPool, startCryptoPool, workerCount } from './crypto-pool.ts';

describe('workerCount', () => {
  it('takes a number as it is', () => {
    expect(workerCount(0)).toBe(0);
    expect(workerCount(3)).toBe(3);
  });

  it('starts for auto one worker on two cores or more, and one per further idle core', () => {
    expect(workerCount('auto', { cores: 2, load: 0.2 })).toBe(1);
    expect(workerCount('auto', { cores: 2, load: 1.5 })).toBe(1);
    expect(workerCount('auto', { cores: 2, load: 25 })).toBe(1);
    expect(workerCount('auto', { cores: 4, load: 25 })).toBe(1);
    expect(workerCount('auto', { cores: 8, load: 2.4 })).toBe(5);
    expect(workerCount('auto', { cores: 1, load: 0 })).toBe(0);
    expect(workerCount(undefined, { cores: 4, load: 0 })).toBe(3);
  });
});

describe('contents opened on worker threads', { timeout: 120_000 }, () => {
  let format: RepositoryFormat;
  let hash: HashFunc;
  let pool: CryptoPool;
  const repo = () => ({
    hash,
    encryptor: createEncryptor(format.config.encryption, format.config.masterKey),
  });

  beforeAll(async () => {
    format = await createRepositoryFormat(memoryBlobs(), 'pw', { keyAlgo: PBKDF2, veleroMarker: false });
    hash = await createHasher(format.config.hash, format.config.secret);
    const started = startCryptoPool({ format }, { workers: 1 });
    if (started === undefined) throw new Error('the worker module is missing');
    pool = started;
  }, 120_000);

  afterAll(async () => {
    await pool.close();
  });

  function sealed(data: Buffer, compressor?: string) {
    const s = sealContent(hash, repo().encryptor, '', data, compressor);
    const entry = {
      contentId: s.contentId,
      compressionHeaderId: s.compressionHeaderId,
      originalLength: s.originalLength,
      packBlobId: 'p0',
      packOffset: 0,
      packedLength: s.payload.length,
      timestampSeconds: 0,
      deleted: false,
      formatVersion: 2,
      encryptionKeyId: 0,
    };
    return { entry, payload: s.payload };
  }

  it('decrypts and hash-checks a large content there, handing the bytes over and back', async () => {
    const data = Buffer.alloc(1 << 20, 7);
    data.write('a content of its own');
    const { entry, payload } = sealed(data);
    const before = pool.answered;
    const plain = await pooledOpener(repo(), pool)(entry, payload);
    expect(plain.equals(data)).toBe(true);
    expect(pool.answered).toBe(before + 1);
    // Handed over, not copied: the payload's memory now belongs to the worker.
    expect(payload.length).toBe(0);
  });

  it('opens a view of a larger buffer from a copy, and a compressed content', async () => {
    const data = Buffer.alloc(256 << 10, 1);
    const { entry, payload } = sealed(data, 'zstd-fastest');
    expect(entry.compressionHeaderId).not.toBe(0);
    const big = Buffer.concat([Buffer.alloc(100), payload, Buffer.alloc(100)]);
    const view = big.subarray(100, 100 + payload.length);
    const plain = await pooledOpener(repo(), pool)(entry, view);
    expect(plain.equals(data)).toBe(true);
    expect(big.length).toBe(payload.length + 200);
  });

  it('fails with INTEGRITY naming the content when a byte of it was changed', async () => {
    const { entry, payload } = sealed(Buffer.alloc(128 << 10, 3));
    payload.writeUInt8(payload.readUInt8(payload.length >> 1) ^ 1, payload.length >> 1);
    const failure: unknown = await pooledOpener(repo(), pool)(entry, payload).catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'INTEGRITY' });
    expect(String(failure)).toContain(entry.contentId);
  });
});
