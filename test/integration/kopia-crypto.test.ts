// lifeboat's kopia hashing, encryption and compression against kopia's own packages (kopia-oracle).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.ts';
import { decryptBlob, encryptBlob } from '../../src/volumedata/kopia/crypto/blob-crypto.ts';
import { compress, COMPRESSOR_NAMES, decompress } from '../../src/volumedata/kopia/crypto/compression.ts';
import { openContent, sealContent } from '../../src/volumedata/kopia/crypto/content.ts';
import { createEncryptor, ENCRYPTION_ALGORITHMS } from '../../src/volumedata/kopia/crypto/encryption.ts';
import { createHasher, HASH_ALGORITHMS } from '../../src/volumedata/kopia/crypto/hashing.ts';
import { kopiaBinaries, runOracle } from '../helpers/kopia.ts';

const SIZES = [0, 1, 4096, (3 << 19) + 7]; // up to 1.5 MiB + 7

async function oracleHash(algorithm: string, secret: Buffer, data: Buffer): Promise<string> {
  const out = await runOracle('crypto-hash', [algorithm, secret.toString('hex')], data);
  return out.toString().trim();
}

/** Half text, half random: compressible, but not trivially. */
function mixedData(size: number): Buffer {
  const text = Buffer.from(
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lifeboat-'.repeat(Math.ceil(size / 20) + 1),
  );
  const out = Buffer.alloc(size);
  for (let at = 0; at < size; at += 8192) {
    text.copy(out, at, at, Math.min(size, at + 4096));
    if (at + 4096 < size) randomBytes(Math.min(4096, size - at - 4096)).copy(out, at + 4096);
  }
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isLifeboatError(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe('kopia hashes', () => {
  const secret = randomBytes(32);
  const inputs = SIZES.map((n) => randomBytes(n));

  it.each(HASH_ALGORITHMS)('%s matches kopia for 0 B .. 1.5 MiB', async (algorithm) => {
    const hash = await createHasher(algorithm, secret);
    for (const data of inputs) {
      expect(hash(data).toString('hex'), `${data.length} bytes`).toBe(
        await oracleHash(algorithm, secret, data),
      );
    }
  });

  it.each(HASH_ALGORITHMS)('%s keys like kopia with short, long and empty secrets', async (algorithm) => {
    const data = randomBytes(1000);
    for (const key of [randomBytes(5), randomBytes(40), randomBytes(64), Buffer.alloc(0)]) {
      const expected = await oracleHash(algorithm, key, data).catch(() => 'refused');
      const actual = await createHasher(algorithm, key).then(
        (h) => h(data).toString('hex'),
        () => 'refused',
      );
      expect(actual, `${key.length}-byte secret`).toBe(expected);
    }
  });
});

describe('kopia encryption', () => {
  const masterKey = randomBytes(32);
  const iv = randomBytes(16);

  it.each(ENCRYPTION_ALGORITHMS)('%s decrypts kopia and kopia decrypts lifeboat', async (algorithm) => {
    const enc = createEncryptor(algorithm, masterKey);
    const args = [algorithm, masterKey.toString('hex'), iv.toString('hex')];
    for (const size of [0, 100, (3 << 19) + 7]) {
      const plain = randomBytes(size);
      const theirs = await runOracle('crypto-encrypt', args, plain);
      expect(theirs.length).toBe(size + enc.overhead);
      expect(enc.decrypt(theirs, iv).equals(plain), `${size} bytes`).toBe(true);
      const ours = enc.encrypt(plain, iv);
      expect((await runOracle('crypto-decrypt', args, ours)).equals(plain), `${size} bytes`).toBe(true);
      expect(codeOf(() => enc.decrypt(theirs, randomBytes(16)))).toBe('INTEGRITY');
    }
  });

  it('decrypts a kopia-encrypted blob named by kopia hash as an index blob', async () => {
    const secret = randomBytes(32);
    const hash = await createHasher('BLAKE2B-256-128', secret);
    const enc = createEncryptor('AES256-GCM-HMAC-SHA256', masterKey);
    const plain = randomBytes(5000);
    const blobId = `xn0_${await oracleHash('BLAKE2B-256-128', secret, plain)}-s0123456789abcdef-c1`;
    expect(encryptBlob(hash, enc, 'xn0_', plain, 's0123456789abcdef-c1').blobId).toBe(blobId);
    const ivHex = blobId.slice(4, 36);
    const theirs = await runOracle(
      'crypto-encrypt',
      ['AES256-GCM-HMAC-SHA256', masterKey.toString('hex'), ivHex],
      plain,
    );
    expect(decryptBlob(hash, enc, blobId, theirs).equals(plain)).toBe(true);
  });

  it('opens a content kopia sealed (compressed with zstd-fastest, then encrypted)', async () => {
    const secret = randomBytes(32);
    const hash = await createHasher('BLAKE2B-256-128', secret);
    const enc = createEncryptor('AES256-GCM-HMAC-SHA256', masterKey);
    const plain = mixedData(100_000);
    const contentId = `k${await oracleHash('BLAKE2B-256-128', secret, plain)}`;
    const compressed = await runOracle('crypto-compress', ['zstd-fastest'], plain);
    const payload = await runOracle(
      'crypto-encrypt',
      ['AES256-GCM-HMAC-SHA256', masterKey.toString('hex'), contentId.slice(1)],
      compressed,
    );
    const entry = { contentId, compressionHeaderId: 0x1101, originalLength: plain.length };
    expect(openContent(hash, enc, entry, payload).equals(plain)).toBe(true);
    const sealed = sealContent(hash, enc, 'k', plain, 'zstd-fastest');
    expect(sealed.contentId).toBe(contentId);
    const back = await runOracle(
      'crypto-decrypt',
      ['AES256-GCM-HMAC-SHA256', masterKey.toString('hex'), contentId.slice(1)],
      sealed.payload,
    );
    expect((await runOracle('crypto-decompress', [], back)).equals(plain)).toBe(true);
  });
});

describe('kopia compression', () => {
  const inputs = [Buffer.alloc(0), mixedData(1000), mixedData((3 << 19) + 7)];

  it.each(COMPRESSOR_NAMES)('%s: lifeboat reads kopia, kopia reads lifeboat', async (name) => {
    for (const data of inputs) {
      const theirs = await runOracle('crypto-compress', [name], data);
      expect(decompress(theirs, data.length).equals(data), `${data.length} bytes`).toBe(true);
      if (data.length > 0) expect(codeOf(() => decompress(theirs, data.length - 1))).toBe('CORRUPT');
      if (name.startsWith('s2') || name === 'lz4') {
        expect(codeOf(() => compress(name, data))).toBe('UNSUPPORTED');
        continue;
      }
      const ours = compress(name, data);
      expect(ours.readUInt32BE(0)).toBe(theirs.readUInt32BE(0));
      expect((await runOracle('crypto-decompress', [], ours)).equals(data), `${data.length} bytes`).toBe(
        true,
      );
    }
  });

  it('s2 and lz4 streams of zeros (long repeats), random data (stored chunks) and several blocks decode', async () => {
    const inputs = [
      Buffer.alloc(5 << 20),
      randomBytes(3 << 20),
      Buffer.concat([mixedData(3 << 20), Buffer.alloc(70_000)]),
    ];
    for (const name of ['s2-default', 's2-better', 'lz4']) {
      for (const data of inputs) {
        const theirs = await runOracle('crypto-compress', [name], data);
        expect(decompress(theirs, data.length).equals(data), `${name}, ${data.length} bytes`).toBe(true);
        expect(codeOf(() => decompress(theirs, data.length - 1))).toBe('CORRUPT');
      }
    }
  });
});

/** Blob IDs and paths of a filesystem repository: the ID is the path without '/' and '.f'. */
async function repositoryBlobs(dir: string): Promise<{ id: string; path: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.f'))
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return { id: relative(dir, path).replaceAll('/', '').slice(0, -2), path };
    });
}

describe('blobs of a repository the kopia CLI wrote', () => {
  const exec = promisify(execFile);

  it.each([
    ['AES256-GCM-HMAC-SHA256', 'BLAKE2B-256-128'],
    ['CHACHA20-POLY1305-HMAC-SHA256', 'BLAKE3-256'],
    ['AES256-GCM-HMAC-SHA256', 'HMAC-SHA256-128'],
  ])('%s with %s: every index and log blob decrypts and matches its name', async (encryption, hash) => {
    const { kopia } = await kopiaBinaries();
    const dir = await mkdtemp(join(tmpdir(), 'kopia-crypto-'));
    try {
      const config = join(dir, 'repository.config');
      const env = { ...process.env, KOPIA_PASSWORD: 'pw', KOPIA_CHECK_FOR_UPDATES: 'false' };
      const common = ['--config-file', config];
      await exec(
        kopia,
        [
          'repository',
          'create',
          'filesystem',
          '--path',
          join(dir, 'repo'),
          ...common,
          '--no-persist-credentials',
          '--cache-directory',
          join(dir, 'cache'),
          '--encryption',
          encryption,
          '--block-hash',
          hash,
        ],
        { env },
      );
      await exec(kopia, ['policy', 'set', '--global', '--compression=zstd-fastest', ...common], { env });
      await mkdir(join(dir, 'src'));
      await writeFile(join(dir, 'src', 'random'), randomBytes(100_000));
      await writeFile(join(dir, 'src', 'text'), mixedData(200_000));
      await exec(kopia, ['snapshot', 'create', join(dir, 'src'), ...common], { env });

      const keys = JSON.parse((await runOracle('crypto-repo-keys', [config, 'pw'])).toString()) as Record<
        string,
        string
      >;
      expect([keys['encryption'], keys['hash']]).toEqual([encryption, hash]);
      const hashFunc = await createHasher(hash, Buffer.from(keys['hmacSecret'] ?? '', 'hex'));
      const enc = createEncryptor(encryption, Buffer.from(keys['masterKey'] ?? '', 'hex'));
      const blobs = (await repositoryBlobs(join(dir, 'repo'))).filter((b) => /^(x|_log_)/.test(b.id));
      expect(blobs.filter((b) => b.id.startsWith('xn0_')).length).toBeGreaterThan(0);
      expect(blobs.filter((b) => b.id.startsWith('_log_')).length).toBeGreaterThan(0);
      for (const blob of blobs) {
        const data = await readFile(blob.path);
        expect(decryptBlob(hashFunc, enc, blob.id, data).length, blob.id).toBe(data.length - enc.overhead);
        data.writeUInt8(data.readUInt8(data.length >> 1) ^ 1, data.length >> 1);
        expect(() => decryptBlob(hashFunc, enc, blob.id, data)).toThrow(blob.id);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
