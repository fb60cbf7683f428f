/**
 * The trees `npm run bench -- volume` snapshots: random data from a seeded AES-CTR stream, so every
 * run writes the same bytes (and no two chunks deduplicate by accident).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';

/** A deterministic stream of random bytes: AES-128-CTR over zeros, keyed by the seed. */
class SeededBytes {
  private readonly cipher;
  private readonly zeros = Buffer.alloc(4 << 20);
  private state: number;

  constructor(seed: string) {
    const key = createHash('sha256').update(seed).digest();
    this.cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
    this.state = key.readUInt32LE(0) || 1;
  }

  /** `length` bytes (at most 4 MiB a call). */
  bytes(length: number): Buffer {
    return this.cipher.update(this.zeros.subarray(0, length));
  }

  /** A uniform integer in [0, n) (xorshift32). */
  int(n: number): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state % n;
  }
}

async function writeRandomFile(path: string, size: number, random: SeededBytes): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(4 << 20, size - done);
      await handle.write(random.bytes(n));
      done += n;
    }
  } finally {
    await handle.close();
  }
}

export interface TreeShape {
  name: string;
  files: number;
  bytes: number;
}

/**
 * Writes `shape.files` files of `shape.bytes` in all under `dir`: 100 files a directory, sizes drawn
 * around the mean (½× to 1½×, the last file takes the remainder).
 */
export async function writeTree(dir: string, shape: TreeShape, seed: string): Promise<void> {
  const random = new SeededBytes(`${seed}/${shape.name}`);
  const mean = Math.floor(shape.bytes / shape.files);
  let left = shape.bytes;
  for (let i = 0; i < shape.files; i++) {
    const sub = join(dir, `d${String(Math.floor(i / 100)).padStart(4, '0')}`);
    if (i % 100 === 0) await mkdir(sub, { recursive: true });
    const size =
      i === shape.files - 1 ? left : Math.min(left, Math.floor(mean / 2) + random.int(Math.max(1, mean)));
    await writeRandomFile(join(sub, `f${i}.bin`), size, random);
    left -= size;
  }
}
