import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { ArchiveCatalog, parseItem } from './catalog.ts';
import { tar } from './hostile-tar.fixture.ts';
import { checkedPath, readBackupArchive, type ArchiveEntry, type ArchiveLimits } from './reader.ts';

async function readAll(archive: Buffer, limits?: ArchiveLimits) {
  const reader = readBackupArchive(Readable.from([archive]), limits);
  const entries: ArchiveEntry[] = [];
  for await (const entry of reader) entries.push(entry);
  return { reader, entries };
}

async function corrupt(
  archive: Buffer,
  limits?: ArchiveLimits,
  hint = /corrupt or not a Velero backup/,
): Promise<LifeboatError> {
  const err: unknown = await readAll(archive, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LifeboatError);
  const lifeboatError = err as LifeboatError;
  expect(lifeboatError.code).toBe('CORRUPT');
  expect(lifeboatError.hint).toMatch(hint);
  return lifeboatError;
}

const podJson = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"app"}}';
const nsJson = '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"app"}}';

describe('readBackupArchive on Velero-made archives', () => {
  it('reads a v1.3-style archive (plain tar, classic paths only, version "1\\n") like pkg/test/tar_writer.go', async () => {
    const archive = gzipSync(
      tar([
        { name: 'metadata/version', data: '1\n' },
        { name: 'resources/pods/namespaces/app/web-0.json', data: podJson },
        { name: 'resources/namespaces/cluster/app.json', data: nsJson },
      ]),
    );
    const { reader, entries } = await readAll(archive);
    expect(reader.version).toBe('1');
    expect(entries.map((e) => [e.path, e.parsed.kind, e.size])).toEqual([
      ['metadata/version', 'version', 2],
      ['resources/pods/namespaces/app/web-0.json', 'item', podJson.length],
      ['resources/namespaces/cluster/app.json', 'item', nsJson.length],
    ]);
    expect(parseItem(entries[1]?.data ?? Buffer.alloc(0), entries[1]?.path ?? '').metadata.name).toBe(
      'web-0',
    );
    const catalog = new ArchiveCatalog();
    for (const e of entries) catalog.add(e);
    expect(catalog.resources()).toEqual(['namespaces', 'pods']);
    expect(catalog.namespaces()).toEqual(['app']);
    expect(catalog.count()).toBe(2);
  });

  it('accepts PAX path records and GNU long names, and normalises "./" prefixes', async () => {
    const long = `resources/pods/namespaces/app/${'p'.repeat(200)}.json`;
    const { reader, entries } = await readAll(
      gzipSync(
        tar([
          { name: './metadata/version', data: '1.1.0\n' },
          { name: 'PaxHeader/ignored', pax: long, data: podJson },
          {
            name: '././@LongLink',
            gnuLong: `resources/pods/namespaces/app/${'g'.repeat(150)}.json`,
            data: podJson,
          },
        ]),
      ),
    );
    expect(reader.version).toBe('1.1.0');
    expect(entries.map((e) => e.path)).toEqual([
      'metadata/version',
      long,
      `resources/pods/namespaces/app/${'g'.repeat(150)}.json`,
    ]);
    expect(entries[1]?.parsed).toMatchObject({ kind: 'item', name: 'p'.repeat(200) });
  });

  it('skips symlinks, hard links, directories and devices without following them, and counts them', async () => {
    const { reader, entries } = await readAll(
      gzipSync(
        tar([
          { name: 'resources/', type: '5' },
          { name: 'resources/pods/namespaces/app/evil.json', type: '2', linkname: '/etc/passwd' },
          { name: 'resources/pods/namespaces/app/hard.json', type: '1', linkname: 'metadata/version' },
          { name: 'resources/dev', type: '3' },
          { name: 'resources/pods/namespaces/app/web-0.json', data: podJson },
        ]),
      ),
    );
    expect(entries.map((e) => e.path)).toEqual(['resources/pods/namespaces/app/web-0.json']);
    expect(reader.skipped).toEqual({
      count: 4,
      byType: { directory: 1, symlink: 1, link: 1, 'character-device': 1 },
      examples: [
        'resources',
        'resources/pods/namespaces/app/evil.json',
        'resources/pods/namespaces/app/hard.json',
        'resources/dev',
      ],
    });
  });
});

describe('readBackupArchive rejects hostile or broken archives with CORRUPT', () => {
  it.each([
    ['../../etc/passwd', /"\.\." path segment/],
    ['resources/../../x.json', /"\.\." path segment/],
    ['/abs/resources/pods/cluster/x.json', /absolute path/],
  ])('entry %s', async (name, message) => {
    const err = await corrupt(gzipSync(tar([{ name, data: 'x' }])));
    expect(err.message).toMatch(message);
    expect(err.message).toContain(JSON.stringify(name));
  });

  it('a NUL in a PAX path', async () => {
    const err = await corrupt(gzipSync(tar([{ name: 'x', pax: 'resources/a\0b.json', data: '{}' }])));
    expect(err.message).toMatch(/NUL/);
  });

  it('a symlink whose own name escapes', async () => {
    await corrupt(gzipSync(tar([{ name: '../link', type: '2', linkname: '/etc' }])));
  });

  it('bytes that are not gzip', async () => {
    const err = await corrupt(Buffer.from('this is not a gzip stream at all, just text'));
    expect(err.message).toMatch(/not a valid gzip stream/);
  });

  it('gzip of garbage', async () => {
    const err = await corrupt(gzipSync(Buffer.alloc(2048, 'garbage!')));
    expect(err.message).toMatch(/tar header/i);
  });

  it('a gzip stream cut short', async () => {
    const whole = gzipSync(tar([{ name: 'resources/pods/cluster/x.json', data: 'y'.repeat(5000) }]));
    const err = await corrupt(whole.subarray(0, whole.length - 30));
    expect(err.message).toMatch(/truncated/);
  });

  it('a tar cut inside an entry', async () => {
    const whole = tar([{ name: 'resources/pods/cluster/x.json', data: 'y'.repeat(5000) }], false);
    const err = await corrupt(gzipSync(whole.subarray(0, 2048)));
    expect(err.message).toMatch(/truncated/);
  });

  it('a tar cut at an entry boundary (no end-of-archive blocks)', async () => {
    const err = await corrupt(gzipSync(tar([{ name: 'metadata/version', data: '1.1.0\n' }], false)));
    expect(err.message).toMatch(/truncated after entry "metadata\/version"/);
  });

  it('an entry larger than the limit, before reading it, naming the flag that raises it', async () => {
    const err = await corrupt(
      gzipSync(tar([{ name: 'resources/pods/cluster/big.json', data: 'z'.repeat(4096) }])),
      { maxEntryBytes: 1024 },
      /raise the limit with --max-entry-bytes/,
    );
    expect(err.message).toBe(
      'entry "resources/pods/cluster/big.json" is 4096 bytes (4 KiB), more than the limit of 1024 bytes (1 KiB)',
    );
    expect(err.details).toEqual({
      check: 'limit',
      entry: 'resources/pods/cluster/big.json',
      limit: 'maxEntryBytes',
      flag: '--max-entry-bytes',
      actual: 4096,
      max: 1024,
    });
  });

  it('more entries, more bytes or longer names than allowed', async () => {
    const three = gzipSync(tar([{ name: 'a' }, { name: 'b' }, { name: 'c' }]));
    expect((await corrupt(three, { maxEntries: 2 })).message).toMatch(/more than 2 entries/);
    const total = await corrupt(three, { maxTotalBytes: 1000 }, /--max-archive-bytes/);
    expect(total.message).toMatch(/expands to more than 1000 bytes \(near entry /);
    expect((await corrupt(gzipSync(tar([{ name: 'a'.repeat(90) }])), { maxPathBytes: 64 })).message).toMatch(
      /longer than 64/,
    );
  });

  it('a metadata/version that is not a version', async () => {
    const err = await corrupt(gzipSync(tar([{ name: 'metadata/version', data: '<html>' }])));
    expect(err.message).toMatch(/not a backup format version/);
  });

  it('passes an input stream error through unchanged, and stops cleanly when the caller breaks early', async () => {
    const failing = new Readable({ read() {} });
    const reader = readBackupArchive(failing);
    const next = reader[Symbol.asyncIterator]().next();
    failing.destroy(new Error('connection reset'));
    await expect(next).rejects.toThrow('connection reset');
    const many = gzipSync(
      tar([
        { name: 'a', data: '1' },
        { name: 'b', data: '2' },
        { name: 'c', data: '3' },
      ]),
    );
    const seen: string[] = [];
    for await (const entry of readBackupArchive(Readable.from([many]))) {
      seen.push(entry.path);
      break;
    }
    expect(seen).toEqual(['a']);
  });

  it('an archive can be iterated only once', async () => {
    const reader = readBackupArchive(Readable.from([gzipSync(tar([]))]));
    for await (const _ of reader) void _;
    expect(() => reader[Symbol.asyncIterator]()).toThrow(/only once/);
  });
});

describe('checkedPath', () => {
  it('normalises like filepath.Join and refuses escapes', () => {
    expect(checkedPath('./resources//pods/./cluster/x.json')).toBe('resources/pods/cluster/x.json');
    expect(() => checkedPath('C:\\x')).toThrow(LifeboatError);
    expect(() => checkedPath('./')).toThrow(/empty name/);
  });
});
