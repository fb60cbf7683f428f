import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { END, header, tar, type Spec } from './hostile-tar.fixture.ts';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './limits.ts';
import { readBackupArchive } from './reader.ts';

const MiB = 1024 ** 2;

async function read(archive: Buffer, limits?: ArchiveLimits) {
  const reader = readBackupArchive(Readable.from([archive]), limits);
  const paths: string[] = [];
  let bytes = 0;
  for await (const entry of reader) {
    paths.push(entry.path);
    bytes += entry.size;
  }
  return { reader, paths, bytes };
}

async function refusal(archive: Buffer, limits?: ArchiveLimits): Promise<LifeboatError> {
  const err: unknown = await read(archive, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LifeboatError);
  expect((err as LifeboatError).code).toBe('CORRUPT');
  return err as LifeboatError;
}

/** One MiB of spaces, gzipped once (~1 KiB): bombs are concatenated gzip members, cheap to build. */
const MIB_OF_SPACES = gzipSync(Buffer.alloc(MiB, 0x20), { level: 9 });

/** `count` entries of `mib` MiB of spaces each (gzip shrinks them ~1000×), at one path or at distinct ones. */
function spaces(count: number, mib: number, samePath: boolean): Buffer {
  const members: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const name = `resources/configmaps/cluster/big${samePath ? '' : `-${i}`}.json`;
    members.push(gzipSync(header(name, mib * MiB)));
    for (let m = 0; m < mib; m++) members.push(MIB_OF_SPACES);
  }
  members.push(gzipSync(END));
  return Buffer.concat(members);
}

const pod = (name: string) => ({
  name: `resources/pods/namespaces/app/${name}.json`,
  data: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","namespace":"app"}}`,
});

describe('readBackupArchive refuses duplicate paths', () => {
  it.each<[string, Spec[], string]>([
    ['the same path twice', [pod('a'), pod('b'), pod('a')], 'resources/pods/namespaces/app/a.json'],
    [
      'the same path after normalising "./" and "//"',
      [pod('a'), { ...pod('a'), name: './resources//pods/namespaces/app/a.json' }],
      'resources/pods/namespaces/app/a.json',
    ],
    [
      'a symlink over a file',
      [pod('a'), { name: pod('a').name, type: '2', linkname: '/etc/passwd' }],
      'resources/pods/namespaces/app/a.json',
    ],
    [
      'metadata/version twice',
      [
        { name: 'metadata/version', data: '1.1.0\n' },
        { name: 'metadata/version', data: '1\n' },
      ],
      'metadata/version',
    ],
  ])('%s', async (_what, entries, path) => {
    const err = await refusal(gzipSync(tar(entries)));
    expect(err.message).toBe(
      `backup archive holds entry ${JSON.stringify(path)} more than once: Velero writes each path once, so the archive is damaged or forged`,
    );
    expect(err.details).toEqual({ check: 'duplicate', entry: path });
  });

  it('accepts an item and its -preferredversion twin (two paths), and repeated directory entries', async () => {
    const twin = { ...pod('a'), name: 'resources/pods/v1-preferredversion/namespaces/app/a.json' };
    const { paths } = await read(
      gzipSync(tar([{ name: 'resources/', type: '5' }, pod('a'), twin, { name: 'resources/', type: '5' }])),
    );
    expect(paths).toEqual([pod('a').name, twin.name]);
  });
});

describe('readBackupArchive bounds what it keeps of entry names', () => {
  it('refuses names that add up to more than maxNameBytes', async () => {
    // 37 characters a name: the ninth passes 300.
    const entries = Array.from({ length: 20 }, (_, i) => pod(`p${i}`));
    const err = await refusal(gzipSync(tar(entries)), { maxNameBytes: 300 });
    expect(err.message).toBe(
      `backup archive's entry names add up to more than 300 bytes (at entry "resources/pods/namespaces/app/p8.json")`,
    );
    expect(err.details).toEqual({ check: 'names', entry: 'resources/pods/namespaces/app/p8.json' });
  });

  it('reads a deep Velero path (6 segments) and refuses deep hostile names at once, however many', async () => {
    const deep = 'resources/widgets.example.com/v1alpha1-preferredversion/namespaces/app/w.json';
    expect((await read(gzipSync(tar([{ ...pod('a'), name: deep }])))).paths).toEqual([deep]);
    // 5 KB of gzip whose 300 names had 2,000 segments each kept the CPU busy for 10 s.
    const names = Array.from({ length: 300 }, (_, i) => ({ name: 'x', pax: `b${i}/${'a/'.repeat(500)}f` }));
    const started = Date.now();
    const err = await refusal(gzipSync(tar(names)));
    expect(err.message).toMatch(/has 502 path segments, more than 16$/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('readBackupArchive caps expansion as the stream inflates', () => {
  it('stops a 256 KB archive of one 32 MiB entry repeated 8 times after ~16 MiB of output', async () => {
    const bomb = spaces(8, 32, true);
    expect(bomb.length).toBeLessThan(300 * 1024);
    const err = await refusal(bomb);
    expect(err.message).toMatch(
      /^backup archive expands \d+ times, more than the limit of 400 \(\d+ bytes \(16(\.\d)? MiB\) from \d+ bytes \(\d+(\.\d)? KiB\) of gzip, near entry "resources\/configmaps\/cluster\/big.json"\)$/,
    );
    expect(err.hint).toMatch(/raise the limit with --max-expansion-ratio/);
    expect(err.details).toMatchObject({ check: 'limit', limit: 'maxExpansionRatio', max: 400 });
    expect((err.details as { actual: number }).actual).toBeGreaterThan(900);
  });

  it('stops many small bombs at distinct paths the same way', async () => {
    const err = await refusal(spaces(64, 1, false));
    expect(err.details).toMatchObject({ limit: 'maxExpansionRatio', flag: '--max-expansion-ratio' });
  });

  it('allows a highly compressible archive under the grace size, and any archive under a raised ratio', async () => {
    expect((await read(spaces(12, 1, false))).bytes).toBe(12 * MiB);
    const { bytes } = await read(spaces(24, 1, false), { maxExpansionRatio: 2000 });
    expect(bytes).toBe(24 * MiB);
  });

  it('refuses an archive past the total cap, naming the flag', async () => {
    const err = await refusal(spaces(6, 1, false), { maxTotalBytes: 4 * MiB });
    expect(err.message).toMatch(
      /^backup archive expands to more than 4194304 bytes \(4 MiB\) \(near entry "/,
    );
    expect(err.details).toMatchObject({ limit: 'maxTotalBytes', flag: '--max-archive-bytes', max: 4 * MiB });
  });

  it('defaults leave room for real backups: 32 MiB entries, 8 GiB in all, 400× after 16 MiB', () => {
    expect(DEFAULT_ARCHIVE_LIMITS).toMatchObject({
      maxEntryBytes: 32 * MiB,
      maxTotalBytes: 8 * 1024 * MiB,
      maxExpansionRatio: 400,
      expansionGraceBytes: 16 * MiB,
    });
  });
});
