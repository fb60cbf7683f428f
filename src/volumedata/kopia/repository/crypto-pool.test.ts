import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryBlobs } from '../blob/memory-blobs.ts';
import { ivForContent, sealContent } from '../crypto/content.ts';
import { createEncryptor } from '../crypto/encryption.ts';
import { createHasher, type HashFunc } from '../crypto/hashing.ts';
import { PBKDF2 } from '../format/key-derivation.ts';
import { createRepositoryFormat, type RepositoryFormat } from '../format/repository-format.ts';
import { hashingOpener } from './content-opener.ts';
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

describe('contents hash-checked on worker threads', { timeout: 120_000 }, () => {
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

  /** A payload's bytes copied into shared memory, as the restore's read buffers hold them. */
  const shared = (payload: Buffer) => {
    const view = Buffer.from(new SharedArrayBuffer(payload.length + 100), 100, payload.length);
    payload.copy(view);
    return view;
  };

  it('decrypts a content in shared memory in place here and checks its hash there', async () => {
    const data = Buffer.alloc(1 << 20, 7);
    data.write('a content of its own');
    const { entry, payload } = sealed(data);
    const inShared = shared(payload);
    const before = pool.answered;
    const plain = await hashingOpener(repo(), pool)(entry, inShared);
    expect(plain.equals(data)).toBe(true);
    expect(pool.answered).toBe(before + 1);
    expect(plain.buffer).toBe(inShared.buffer);
  });

  it('checks here a small content, and one in memory of its own (a compressed one)', async () => {
    const before = pool.answered;
    const small = sealed(Buffer.alloc(1000, 2));
    expect(
      (await hashingOpener(repo(), pool)(small.entry, shared(small.payload))).equals(Buffer.alloc(1000, 2)),
    ).toBe(true);
    const data = Buffer.alloc(256 << 10, 1);
    const compressed = sealed(data, 'zstd-fastest');
    expect(compressed.entry.compressionHeaderId).not.toBe(0);
    const plain = await hashingOpener(repo(), pool)(compressed.entry, shared(compressed.payload));
    expect(plain.equals(data)).toBe(true);
    const own = sealed(Buffer.alloc(128 << 10, 5));
    expect(
      (await hashingOpener(repo(), pool)(own.entry, own.payload)).equals(Buffer.alloc(128 << 10, 5)),
    ).toBe(true);
    expect(pool.answered).toBe(before);
  });

  it('fails with INTEGRITY naming the content when a byte of it was changed', async () => {
    const { entry, payload } = sealed(Buffer.alloc(128 << 10, 3));
    payload.writeUInt8(payload.readUInt8(payload.length >> 1) ^ 1, payload.length >> 1);
    const failure: unknown = await hashingOpener(repo(), pool)(entry, shared(payload)).catch(
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ code: 'INTEGRITY' });
    expect(String(failure)).toContain(entry.contentId);
  });

  it('fails with INTEGRITY when the worker finds that the plaintext is not the one its ID names', async () => {
    const { entry } = sealed(Buffer.alloc(128 << 10, 3));
    // Other bytes sealed under the content's IV and key: they decrypt, but hash to another ID.
    const other = repo().encryptor.encrypt(Buffer.alloc(128 << 10, 4), ivForContent(entry.contentId));
    const before = pool.answered;
    const failure: unknown = await hashingOpener(repo(), pool)(
      { ...entry, packedLength: other.length },
      shared(other),
    ).catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'INTEGRITY' });
    expect(String(failure)).toContain(`Content ${entry.contentId} does not match its hash`);
    expect(pool.answered).toBe(before + 1);
  });
});
