import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { BLOCK, END, header, tar, withChecksum, type Spec } from './hostile-tar.fixture.ts';
import type { ArchiveLimits } from './limits.ts';
import { readBackupArchive } from './reader.ts';
import { spoolBackupArchive } from './spool.ts';

/**
 * Property tests of the hardened reader and the spool: random bytes, random tar structures, mutated
 * valid archives and bombs never crash (only a clean result or a LifeboatError CORRUPT), never run
 * past a time bound, never leave or write a file outside the spool's temp dir, and bombs are refused.
 * Seeded: a failure prints its seed and path, and re-runs the same inputs.
 */

const SEED = 0x11fe_b0a7;
/** Far above what one input takes (a few ms); an input that reaches it is a hang. */
const HANG_MS = 5_000;

let parent: string;
let spoolDir: string;
beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'lifeboat-reader-property-'));
  spoolDir = join(parent, 'spool');
  mkdirSync(spoolDir);
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

let spools = 0;

type Outcome = { ok: true; paths: string[] } | { ok: false; error: LifeboatError };

function withinBound<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms: a hang`)), HANG_MS);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/** Spools the input; anything thrown but a LifeboatError CORRUPT fails the property. */
async function spool(input: Uint8Array, limits?: ArchiveLimits): Promise<Outcome> {
  const path = join(spoolDir, `items-${++spools}.spool`);
  const run = async (): Promise<Outcome> => {
    try {
      const spooled = await spoolBackupArchive(Readable.from([Buffer.from(input)]), path, limits);
      await spooled.close();
      return { ok: true, paths: spooled.catalog.resources() };
    } catch (err) {
      if (!(err instanceof LifeboatError) || err.code !== 'CORRUPT') throw err;
      return { ok: false, error: err };
    }
  };
  const outcome = await withinBound(run());
  // The spool file is unlinked as soon as it is opened: nothing stays, nothing else was made.
  expect(readdirSync(parent)).toEqual(['spool']);
  expect(readdirSync(spoolDir)).toEqual([]);
  return outcome;
}

/** The plain reader, collecting the entries' paths. */
async function read(input: Uint8Array, limits?: ArchiveLimits): Promise<Outcome> {
  const run = async (): Promise<Outcome> => {
    const paths: string[] = [];
    try {
      for await (const entry of readBackupArchive(Readable.from([Buffer.from(input)]), limits))
        paths.push(entry.path);
      return { ok: true, paths };
    } catch (err) {
      if (!(err instanceof LifeboatError) || err.code !== 'CORRUPT') throw err;
      return { ok: false, error: err };
    }
  };
  return withinBound(run());
}

const pod = (ns: string, name: string) =>
  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","namespace":"${ns}"}}`;

/** A small Velero-shaped archive: the version, then items with their -preferredversion twins. */
function veleroTar(names: readonly string[]): Buffer {
  const entries: Spec[] = [{ name: 'metadata/version', data: '1.1.0\n' }];
  for (const name of names) {
    entries.push({ name: `resources/pods/namespaces/app/${name}.json`, data: pod('app', name) });
    entries.push({
      name: `resources/pods/v1-preferredversion/namespaces/app/${name}.json`,
      data: pod('app', name),
    });
  }
  return tar(entries);
}

const segment = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/);
const names = fc.uniqueArray(segment, { minLength: 1, maxLength: 8 });

/** Entry names as a hostile writer would pick them. */
const hostileName = fc.oneof(
  segment.map((s) => `resources/pods/namespaces/app/${s}.json`),
  fc.constantFrom('../x', '/etc/passwd', 'resources/../../x', './', '', 'C:\\x', 'a\0b', '././@LongLink'),
  fc.string({ maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
const hostileEntry: fc.Arbitrary<Spec> = fc.record(
  {
    name: hostileName,
    type: fc.constantFrom('0', '0', '0', '\0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'Z'),
    data: fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)),
    linkname: fc.constantFrom('/etc/shadow', '../../x', 'metadata/version'),
    pax: fc.oneof(
      hostileName.map((path) => ({ path })),
      fc.record({ size: fc.constantFrom('-1', '1e9', 'NaN', '99999999999999999999', '0', '10') }),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 40 }), { maxKeys: 3 }),
    ),
    gnuLong: hostileName,
  },
  { requiredKeys: ['name'] },
);

/** Changes to a valid tar (before gzip): each as a function of the tar bytes. */
const tarMutation: fc.Arbitrary<(t: Buffer) => Buffer> = fc.oneof(
  fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }).map(({ at, bit }) => (t: Buffer) => {
    const out = Buffer.from(t);
    const i = at % out.length;
    out[i] = (out[i] ?? 0) ^ (1 << bit);
    return out;
  }),
  fc.nat().map((at) => (t: Buffer) => t.subarray(0, at % t.length)),
  // Repeat a block range (duplicated entries, or half-entries) somewhere later.
  fc
    .record({ from: fc.nat(), blocks: fc.integer({ min: 1, max: 6 }), times: fc.integer({ min: 1, max: 8 }) })
    .map(({ from, blocks, times }) => (t: Buffer) => {
      const count = Math.floor(t.length / BLOCK);
      if (count === 0) return t;
      const start = (from % count) * BLOCK;
      const copy = t.subarray(start, start + blocks * BLOCK);
      return Buffer.concat([t.subarray(0, start), ...Array<Buffer>(times + 1).fill(copy), t.subarray(start)]);
    }),
  // Garbage in one header field (name, mode, size, mtime, typeflag, linkname, magic, prefix), checksum fixed or not.
  fc
    .record({
      block: fc.nat(),
      field: fc.constantFrom(
        [0, 100],
        [100, 8],
        [124, 12],
        [136, 12],
        [156, 1],
        [157, 100],
        [257, 8],
        [345, 155],
      ),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 155 }),
      fix: fc.boolean(),
    })
    .map(({ block, field, bytes, fix }) => (t: Buffer) => {
      const out = Buffer.from(t);
      const count = Math.floor(out.length / BLOCK);
      if (count === 0) return out;
      const start = (block % count) * BLOCK;
      const [offset, length] = field as [number, number];
      Buffer.from(bytes).copy(out, start + offset, 0, Math.min(length, bytes.length));
      if (fix) withChecksum(out.subarray(start, start + BLOCK));
      return out;
    }),
  fc.uint8Array({ maxLength: 2048 }).map((junk) => (t: Buffer) => Buffer.concat([t, Buffer.from(junk)])),
);

/** Changes to the gzip bytes themselves. */
const gzipMutation: fc.Arbitrary<(g: Buffer) => Buffer> = fc.oneof(
  fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }).map(({ at, byte }) => (g: Buffer) => {
    const out = Buffer.from(g);
    out[at % out.length] = byte;
    return out;
  }),
  fc.nat().map((at) => (g: Buffer) => g.subarray(0, at % g.length)),
  fc.uint8Array({ maxLength: 512 }).map((junk) => (g: Buffer) => Buffer.concat([g, Buffer.from(junk)])),
);

const RUNS = {
  randomBytes: 300,
  gzipMagicBytes: 200,
  gzipOfRandom: 200,
  hostileStructures: 300,
  mutatedTar: 400,
  mutatedGzip: 300,
  validRoundTrip: 100,
  bombs: 40,
};

describe('archive reader properties', { timeout: 60_000 }, () => {
  it('random bytes: refused cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        expect((await read(bytes)).ok).toBe(false);
      }),
      { seed: SEED, numRuns: RUNS.randomBytes },
    );
  });

  it('bytes behind a gzip magic number, and gzip of random bytes: no crash, no hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        expect((await read(Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), bytes]))).ok).toBe(false);
      }),
      { seed: SEED, numRuns: RUNS.gzipMagicBytes },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 8192 }), async (bytes) => {
        await read(gzipSync(bytes));
      }),
      { seed: SEED + 1, numRuns: RUNS.gzipOfRandom },
    );
  });

  it('random tar structures of hostile entries: clean results never hold an unsafe path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileEntry, { maxLength: 6 }), fc.boolean(), async (entries, end) => {
        const archive = gzipSync(tar(entries, end));
        const outcome = await read(archive);
        if (outcome.ok) {
          for (const path of outcome.paths) {
            expect(path.startsWith('/')).toBe(false);
            expect(path.split('/')).not.toContain('..');
            expect(path).not.toContain('\0');
          }
          expect(new Set(outcome.paths).size).toBe(outcome.paths.length);
        }
        await spool(archive);
      }),
      { seed: SEED, numRuns: RUNS.hostileStructures },
    );
  });

  it('valid archives with bit flips, truncations, repeated blocks, garbage header fields or junk: no crash, no hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        names,
        fc.array(tarMutation, { minLength: 1, maxLength: 3 }),
        async (items, changes) => {
          let t = veleroTar(items);
          for (const change of changes) t = change(t);
          if (t.length === 0) return;
          await spool(gzipSync(t));
        },
      ),
      { seed: SEED, numRuns: RUNS.mutatedTar },
    );
    await fc.assert(
      fc.asyncProperty(names, gzipMutation, async (items, change) => {
        await read(change(gzipSync(veleroTar(items))));
      }),
      { seed: SEED + 1, numRuns: RUNS.mutatedGzip },
    );
  });

  it('valid archives read back whole (the caps refuse no honest archive)', async () => {
    await fc.assert(
      fc.asyncProperty(names, async (items) => {
        const outcome = await read(gzipSync(veleroTar(items)));
        expect(outcome.ok && outcome.paths.length).toBe(1 + 2 * items.length);
      }),
      { seed: SEED, numRuns: RUNS.validRoundTrip },
    );
  });

  it('bombs are refused as they inflate: repeated paths, or compressible data past the ratio or the total', async () => {
    const limits = { expansionGraceBytes: 256 * 1024, maxExpansionRatio: 50, maxTotalBytes: 3 * 1024 ** 2 };
    const bomb = fc.record({
      count: fc.integer({ min: 2, max: 6 }),
      kib: fc.integer({ min: 200, max: 512 }),
      samePath: fc.boolean(),
      fill: fc.constantFrom(0x00, 0x20, 0x41),
    });
    await fc.assert(
      fc.asyncProperty(bomb, async ({ count, kib, samePath, fill }) => {
        const data = Buffer.alloc(kib * 1024, fill);
        const blocks: Buffer[] = [];
        for (let i = 0; i < count; i++)
          blocks.push(header(`resources/x/cluster/${samePath ? 0 : i}.json`, data.length), data);
        const outcome = await spool(gzipSync(Buffer.concat([...blocks, END])), limits);
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(['limit', 'duplicate']).toContain(outcome.error.details?.check);
      }),
      { seed: SEED, numRuns: RUNS.bombs },
    );
  });
});
