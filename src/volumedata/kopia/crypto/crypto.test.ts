import { randomBytes } from 'node:crypto';
import { deflateRawSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../../errors/index.ts';
import { decryptBlob, encryptBlob, ivForBlob } from './blob-crypto.ts';
import { compress, compressorHeaderId, compressorName, decompress } from './compression.ts';
import { contentId, ivForContent, openContent, sealContent } from './content.ts';
import { createEncryptor } from './encryption.ts';
import { createHasher } from './hashing.ts';

// Fixtures made with kopia-oracle (kopia v0.22.3's own packages), secret/master key = bytes 0x00..0x1f:
//   printf lifeboat | kopia-oracle crypto-hash ALGORITHM $KEY
//   printf lifeboat | kopia-oracle crypto-encrypt ALGORITHM $KEY 00112233445566778899aabbccddeeff
//   printf 'lifeboat lifeboat lifeboat lifeboat' | kopia-oracle crypto-compress deflate-default
const KEY = Buffer.from([...Array(32).keys()]);
const IV = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const WORD = Buffer.from('lifeboat');
const KOPIA_HASHES = {
  'BLAKE2B-256-128': '307843c9c339fca6d972f413cfc10d30',
  'BLAKE3-256': 'd0d31c5fdd59374f59a41b74ec7bd6976834de3a4e2069935a5b1efd5c9145d4',
  'HMAC-SHA256-128': '232def170ce03144d5752ed135ebde97',
};
const KOPIA_CIPHERTEXTS = {
  'AES256-GCM-HMAC-SHA256': 'de55f34dbcea87ad91df4153c58fda5036a28ded40f5e8423885ccd43584f6a0fcf9b69f',
  'CHACHA20-POLY1305-HMAC-SHA256': '568e6537d3d939db1d54b4b7f8cd0c6b1cb0711523e38d4250e285f7ef89b5441d81b91d',
};
const KOPIA_DEFLATE =
  '00001500002300dcff6c696665626f6174206c696665626f6174206c696665626f6174206c696665626f61740300';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isLifeboatError(err)) return err.code;
    throw err;
  }
  return undefined;
}

function withHeader(id: number, stream: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(id);
  return Buffer.concat([header, stream]);
}

describe('hashing', () => {
  it.each(Object.entries(KOPIA_HASHES))('%s matches kopia', async (algorithm, expected) => {
    expect((await createHasher(algorithm, KEY))(WORD).toString('hex')).toBe(expected);
  });

  it('refuses an unknown algorithm by name', async () => {
    await expect(createHasher('MD5', KEY)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('MD5') as unknown,
    });
  });
});

describe('encryption', () => {
  it.each(Object.entries(KOPIA_CIPHERTEXTS))('%s decrypts kopia', (algorithm, hex) => {
    expect(createEncryptor(algorithm, KEY).decrypt(Buffer.from(hex, 'hex'), IV)).toEqual(WORD);
  });

  it.each(Object.entries(KOPIA_CIPHERTEXTS))('%s refuses tampering and truncation', (algorithm, hex) => {
    const enc = createEncryptor(algorithm, KEY);
    const cipher = Buffer.from(hex, 'hex');
    for (const at of [0, 12, cipher.length - 1]) {
      const bad = Buffer.from(cipher);
      bad[at] = (bad[at] ?? 0) ^ 1;
      expect(
        codeOf(() => enc.decrypt(bad, IV)),
        `flipped byte ${at}`,
      ).toBe('INTEGRITY');
    }
    expect(codeOf(() => enc.decrypt(cipher.subarray(0, cipher.length - 1), IV))).toBe('INTEGRITY');
    expect(codeOf(() => enc.decrypt(cipher.subarray(0, 27), IV))).toBe('INTEGRITY');
    expect(codeOf(() => enc.decrypt(cipher, Buffer.alloc(16)))).toBe('INTEGRITY');
    expect(codeOf(() => createEncryptor(algorithm, Buffer.alloc(32)).decrypt(cipher, IV))).toBe('INTEGRITY');
  });

  it('round-trips with a fresh nonce each time', () => {
    const enc = createEncryptor('AES256-GCM-HMAC-SHA256', KEY);
    const a = enc.encrypt(WORD, IV);
    expect(a.length).toBe(WORD.length + enc.overhead);
    expect(a.equals(enc.encrypt(WORD, IV))).toBe(false);
    expect(enc.decrypt(a, IV)).toEqual(WORD);
  });

  it.each(Object.keys(KOPIA_CIPHERTEXTS))(
    '%s encrypts into a buffer and decrypts in place, across the 64 KiB pieces',
    (algorithm) => {
      const enc = createEncryptor(algorithm, KEY);
      for (const size of [0, 1, 65_536, 200_001]) {
        const plain = randomBytes(size);
        const out = Buffer.alloc(size + enc.overhead + 10, 0xee);
        expect(enc.encryptInto(plain, IV, out, 7)).toBe(size + enc.overhead);
        expect(out.subarray(0, 7).every((b) => b === 0xee)).toBe(true);
        expect(out.subarray(7 + size + enc.overhead).every((b) => b === 0xee)).toBe(true);
        const sealed = Buffer.from(out.subarray(7, 7 + size + enc.overhead));
        expect(enc.decrypt(sealed, IV)).toEqual(plain);
        expect(enc.decryptInPlace(Buffer.from(sealed), IV)).toEqual(plain);
        const bad = Buffer.from(sealed);
        bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
        expect(codeOf(() => enc.decryptInPlace(bad, IV))).toBe('INTEGRITY');
      }
      expect(() => enc.encryptInto(WORD, IV, Buffer.alloc(WORD.length + enc.overhead - 1), 0)).toThrow(
        RangeError,
      );
    },
  );

  it('refuses an unknown algorithm', () => {
    expect(codeOf(() => createEncryptor('SALSA20', KEY))).toBe('UNSUPPORTED');
  });

  it('never uses a nonce twice, across draws of the random pool', () => {
    const enc = createEncryptor('AES256-GCM-HMAC-SHA256', KEY);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(enc.encrypt(WORD, IV).subarray(0, 12).toString('hex'));
    expect(seen.size).toBe(1000);
  });
});

describe('compression', () => {
  it('decodes kopia raw deflate', () => {
    const text = Buffer.from('lifeboat lifeboat lifeboat lifeboat');
    expect(decompress(Buffer.from(KOPIA_DEFLATE, 'hex'), text.length)).toEqual(text);
  });

  it('names compressors by header ID and back', () => {
    expect(compressorHeaderId('zstd-fastest')).toBe(0x1101);
    expect(compressorName(0x1502)).toBe('deflate-best-compression');
    expect(compressorName(0x9999)).toBeUndefined();
    expect(codeOf(() => compressorHeaderId('brotli'))).toBe('UNSUPPORTED');
  });

  it('refuses unknown header IDs, short data, a mismatched header and garbage', () => {
    expect(codeOf(() => decompress(withHeader(0x1234, Buffer.alloc(8)), 100))).toBe('CORRUPT');
    expect(codeOf(() => decompress(Buffer.from([0, 0, 0x11]), 100))).toBe('CORRUPT');
    const zstd = compress('zstd-fastest', WORD);
    expect(codeOf(() => decompress(zstd, 100, 0x1100))).toBe('CORRUPT');
    expect(codeOf(() => decompress(withHeader(0x1000, randomBytes(64)), 100))).toBe('CORRUPT');
  });

  it('reads but does not write s2 and lz4', () => {
    expect(() => decompress(withHeader(0x1400, Buffer.alloc(8)), 100)).toThrow('lz4 data is malformed');
    expect(() => decompress(withHeader(0x1200, Buffer.alloc(8)), 100)).toThrow('s2 data is malformed');
    expect(codeOf(() => compress('lz4', WORD))).toBe('UNSUPPORTED');
    expect(codeOf(() => compress('s2-default', WORD))).toBe('UNSUPPORTED');
  });

  it('caps every family at the expected length: a bomb is CORRUPT', () => {
    const bomb = Buffer.alloc(64 << 20);
    for (const [id, stream] of [
      [0x1101, zstdCompressSync(bomb)],
      [0x1000, gzipSync(bomb)],
      [0x1500, deflateRawSync(bomb)],
    ] as const) {
      expect(stream.length).toBeLessThan(200_000);
      expect(codeOf(() => decompress(withHeader(id, stream), 4096))).toBe('CORRUPT');
      expect(codeOf(() => decompress(withHeader(id, stream), 0))).toBe('CORRUPT');
    }
    // s2: a block whose header claims 100 MiB, behind a valid stream identifier.
    const s2 = Buffer.from(
      'ff060000' + Buffer.from('S2sTwO').toString('hex') + '00090000000000008080808001',
      'hex',
    );
    expect(() => decompress(withHeader(0x1200, s2), 4096)).toThrow('exceeds');
    expect(decompress(compress('zstd', Buffer.alloc(0)), 0).length).toBe(0);
    expect(decompress(withHeader(0x1101, Buffer.alloc(0)), 0).length).toBe(0);
  });
});

describe('blobs and contents', () => {
  it('names blobs by hash, takes the IV before the first dash and verifies the hash', async () => {
    const hash = await createHasher('BLAKE2B-256-128', KEY);
    const enc = createEncryptor('AES256-GCM-HMAC-SHA256', KEY);
    const { blobId, data } = encryptBlob(hash, enc, 'xn0_', WORD, 'sabc-c1');
    expect(blobId).toBe(`xn0_${KOPIA_HASHES['BLAKE2B-256-128']}-sabc-c1`);
    expect(ivForBlob(blobId).toString('hex')).toBe(KOPIA_HASHES['BLAKE2B-256-128']);
    expect(decryptBlob(hash, enc, blobId, data)).toEqual(WORD);
    expect(codeOf(() => ivForBlob('xn0_abc-sabc'))).toBe('CORRUPT');
    expect(codeOf(() => ivForBlob(`xn0_${'g'.repeat(32)}`))).toBe('CORRUPT');
    // Same IV, other data: decrypts, but the plaintext no longer matches the name.
    const forged = enc.encrypt(Buffer.from('other'), ivForBlob(blobId));
    expect(codeOf(() => decryptBlob(hash, enc, blobId, forged))).toBe('INTEGRITY');
    expect(() => decryptBlob(hash, enc, blobId, data.subarray(1))).toThrow(blobId);
  });

  it('seals and opens contents, compressing only when it saves space', async () => {
    const hash = await createHasher('BLAKE2B-256-128', KEY);
    const enc = createEncryptor('AES256-GCM-HMAC-SHA256', KEY);
    const text = Buffer.from('kind: Pod\n'.repeat(1000));
    const sealed = sealContent(hash, enc, 'k', text, 'zstd-fastest');
    expect(sealed.compressionHeaderId).toBe(0x1101);
    expect(sealed.payload.length).toBeLessThan(text.length);
    expect(openContent(hash, enc, sealed, sealed.payload)).toEqual(text);

    const noise = randomBytes(1000);
    const raw = sealContent(hash, enc, '', noise, 'zstd-fastest');
    expect(raw.compressionHeaderId).toBe(0);
    expect(raw.payload.length).toBe(noise.length + enc.overhead);
    expect(openContent(hash, enc, raw, raw.payload)).toEqual(noise);

    expect(codeOf(() => openContent(hash, enc, { ...sealed, originalLength: 100 }, sealed.payload))).toBe(
      'CORRUPT',
    );
    const tampered = Buffer.from(sealed.payload);
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    expect(() => openContent(hash, enc, sealed, tampered)).toThrow(sealed.contentId);
  });

  it('checks the hash after decrypting: same IV, other data is INTEGRITY', async () => {
    const hash = await createHasher('BLAKE2B-256-128', KEY);
    const enc = createEncryptor('AES256-GCM-HMAC-SHA256', KEY);
    const id = contentId('', hash(WORD));
    const forged = enc.encrypt(Buffer.from('forged'), ivForContent(id));
    const entry = { contentId: id, compressionHeaderId: 0, originalLength: 6 };
    expect(codeOf(() => openContent(hash, enc, entry, forged))).toBe('INTEGRITY');
  });

  it('parses content IDs strictly', () => {
    expect(ivForContent(`k${'ab'.repeat(16)}`).toString('hex')).toBe('ab'.repeat(16));
    expect(ivForContent(`${'00'.repeat(16)}${'cd'.repeat(16)}`).toString('hex')).toBe('cd'.repeat(16));
    for (const bad of ['', 'kab', `a${'ab'.repeat(16)}`, `k${'AB'.repeat(16)}`, `k${'a'.repeat(33)}`]) {
      expect(
        codeOf(() => ivForContent(bad)),
        bad,
      ).toBe('CORRUPT');
    }
    expect(codeOf(() => contentId('ab', WORD))).toBe('USAGE');
  });
});
