import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { ArchiveCatalog, parseItem } from './catalog.ts';
import { checkedPath, readBackupArchive, type ArchiveEntry, type ArchiveLimits } from './reader.ts';

/** One tar header block as Go's archive/tar writes it (USTAR, octal fields, "%06o\0 " checksum). */
function header(
  name: string,
  size: number,
  typeflag = '0',
  opts: { linkname?: string; gnu?: boolean } = {},
): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000755\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('15000000000\0', 136, 'latin1');
  h.write(typeflag, 156, 'latin1');
  if (opts.linkname) h.write(opts.linkname, 157, 100, 'utf8');
  h.write(opts.gnu ? 'ustar  \0' : 'ustar\u000000', 257, 'latin1');
  h.fill(32, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

const pad = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const END = Buffer.alloc(1024);

type Spec = {
  name: string;
  data?: string | Buffer;
  type?: string;
  linkname?: string;
  pax?: string;
  gnuLong?: string;
};

/** A tar stream built block by block, like pkg/test/tar_writer.go (plus the odd hostile entry). */
function tar(entries: Spec[], end = true): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    if (e.pax !== undefined) {
      const rec = ` path=${e.pax}\n`;
      let len = rec.length + 2;
      if (String(len).length + rec.length !== len) len = String(len + 1).length + rec.length;
      const body = Buffer.from(`${len}${rec}`);
      blocks.push(header('PaxHeaders.0/x', body.length, 'x'), pad(body));
    }
    if (e.gnuLong !== undefined) {
      const body = Buffer.from(`${e.gnuLong}\0`);
      blocks.push(header('././@LongLink', body.length, 'L', { gnu: true }), pad(body));
    }
    const opts = e.linkname === undefined ? {} : { linkname: e.linkname };
    blocks.push(header(e.name, data.length, e.type ?? '0', opts), pad(data));
  }
  if (end) blocks.push(END);
  return Buffer.concat(blocks);
}

async function readAll(archive: Buffer, limits?: ArchiveLimits) {
  const reader = readBackupArchive(Readable.from([archive]), limits);
  const entries: ArchiveEntry[] = [];
  for await (const entry of reader) entries.push(entry);
  return { reader, entries };
}

async function corrupt(archive: Buffer, limits?: ArchiveLimits): Promise<LifeboatError> {
  const err: unknown = await readAll(archive, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LifeboatError);
  const lifeboatError = err as LifeboatError;
  expect(lifeboatError.code).toBe('CORRUPT');
  expect(lifeboatError.hint).toMatch(/corrupt or not a Velero backup/);
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

  it('an entry larger than the limit, before reading it', async () => {
    const err = await corrupt(
      gzipSync(tar([{ name: 'resources/pods/cluster/big.json', data: 'z'.repeat(4096) }])),
      {
        maxEntryBytes: 1024,
      },
    );
    expect(err.message).toBe(
      'entry "resources/pods/cluster/big.json" is 4096 bytes, more than the limit of 1024',
    );
  });

  it('more entries, more bytes or longer names than allowed', async () => {
    const three = gzipSync(tar([{ name: 'a' }, { name: 'b' }, { name: 'c' }]));
    expect((await corrupt(three, { maxEntries: 2 })).message).toMatch(/more than 2 entries/);
    expect((await corrupt(three, { maxTotalBytes: 1000 })).message).toMatch(/more than 1000 bytes/);
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
