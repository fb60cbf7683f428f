import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { END, header, pad, tar } from './hostile-tar.fixture.ts';
import { readBackupArchive } from './reader.ts';

/**
 * Hostile shapes beyond the basic ones of reader.test.ts: each is refused with CORRUPT naming what is
 * wrong, or (links, devices, fifos, unknown types) skipped without being followed and counted, for
 * the restore to refuse.
 */

async function outcome(archive: Buffer) {
  const reader = readBackupArchive(Readable.from([archive]));
  const paths: string[] = [];
  try {
    for await (const entry of reader) paths.push(entry.path);
    return { paths, skipped: reader.skipped };
  } catch (err) {
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).code).toBe('CORRUPT');
    return { error: (err as LifeboatError).message };
  }
}

const item = 'resources/pods/namespaces/app/web-0.json';
const pod = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"app"}}';
const version = tar([{ name: 'metadata/version', data: '1.1.0\n' }]);

/** `bytes` as the 12-byte size field of a header, with a valid checksum. */
function sizeField(bytes: number[]): Buffer {
  const field = Buffer.alloc(12);
  Buffer.from(bytes).copy(field);
  return field;
}

describe('readBackupArchive refuses hostile shapes with CORRUPT', () => {
  it.each<[string, Buffer, RegExp]>([
    [
      'garbage after the end-of-archive blocks, inside the gzip stream',
      gzipSync(Buffer.concat([version, Buffer.alloc(512, 'x')])),
      /Invalid tar header/,
    ],
    [
      'garbage after the gzip stream',
      Buffer.concat([gzipSync(version), Buffer.from('trailing bytes that are not gzip')]),
      /not a valid gzip stream/,
    ],
    ['an empty file', Buffer.alloc(0), /the gzip stream is truncated/],
    ['a gzip of nothing', gzipSync(Buffer.alloc(0)), /end-of-archive blocks are missing/],
    ['a gzip of a JSON document', gzipSync(Buffer.from(pod.repeat(20))), /tar header/i],
    ['a bare tar, not gzipped', version, /not a valid gzip stream/],
    [
      'a PAX size record beyond any limit',
      gzipSync(tar([{ name: item, pax: { size: '99999999999999999999' }, data: pod }])),
      /^entry "resources\/pods\/namespaces\/app\/web-0.json" is 1e\+20 bytes|is 100000000000000000000 bytes/,
    ],
    [
      'a negative PAX size',
      gzipSync(tar([{ name: item, pax: { size: '-512' }, data: pod }])),
      /Invalid header/,
    ],
    [
      'a PAX size that is not a number',
      gzipSync(tar([{ name: item, pax: { size: 'lots' }, data: pod }])),
      /Invalid header/,
    ],
    [
      'a PAX header of more than 4 MiB',
      gzipSync(tar([{ name: 'x', pax: { path: 'a'.repeat(5 * 1024 * 1024) }, data: pod }])),
      /Header exceeds max size/,
    ],
    [
      'a PAX path of 3 MiB',
      gzipSync(tar([{ name: 'x', pax: { path: `resources/${'a'.repeat(3 * 1024 * 1024)}` }, data: pod }])),
      /^entry name "resources\/a+"… is longer than 1024 bytes$/,
    ],
    [
      'a GNU long name of 5000 bytes',
      gzipSync(tar([{ name: 'x', gnuLong: `resources/${'b/'.repeat(2500)}x.json`, data: pod }])),
      /is longer than 1024 bytes/,
    ],
    [
      'a name of 17 segments (Velero nests 6 deep)',
      gzipSync(tar([{ name: 'x', pax: `resources/${'d/'.repeat(15)}x.json`, data: pod }])),
      /^entry "resources\/(d\/){15}x.json" has 17 path segments, more than 16$/,
    ],
    [
      'a PAX path that escapes',
      gzipSync(tar([{ name: item, pax: { path: 'resources/../../../etc/cron.d/x' }, data: pod }])),
      /"\.\." path segment/,
    ],
    [
      'a GNU long name that is absolute',
      gzipSync(tar([{ name: 'x', gnuLong: '/etc/cron.d/x', data: pod }])),
      /absolute path/,
    ],
    [
      'a base-256 size field of 32 PiB',
      gzipSync(
        Buffer.concat([
          header(item, 0, '0', { rawSize: sizeField([0x80, 0, 0, 0, 0, 0x7f, 0, 0, 0, 0, 0, 0x10]) }),
          pad(Buffer.from(pod)),
          END,
        ]),
      ),
      /is \d+ bytes \(\d+ TiB\), more than the limit of 33554432 bytes \(32 MiB\)/,
    ],
    [
      'a size field tar-stream cannot decode (base-256 with a bad marker), which hung the read',
      gzipSync(
        Buffer.concat([
          header(item, 0, '0', { rawSize: sizeField([0xb5, 0xbb, 0xaf, 0x86, 0xb8, 0xd8, 0x34, 0x77]) }),
          pad(Buffer.from(pod)),
          END,
        ]),
      ),
      /^entry "resources\/pods\/namespaces\/app\/web-0.json" has an invalid size field$/,
    ],
    [
      'a directory with an undecodable size field',
      gzipSync(Buffer.concat([header('resources/', 0, '5', { rawSize: sizeField([0x90, 1, 2, 3]) }), END])),
      /^entry "resources" has an invalid size field$/,
    ],
    [
      'a size field of garbage',
      gzipSync(Buffer.concat([header(item, 0, '0', { rawSize: Buffer.from('zzzzzzzzzzzz') }), END])),
      /Invalid header/,
    ],
    [
      'a header whose size is larger than the data that follows',
      gzipSync(Buffer.concat([header(item, 4096), pad(Buffer.from(pod))])),
      /truncated/,
    ],
  ])('%s', async (_what, archive, message) => {
    const result = await outcome(archive);
    expect(result.error).toMatch(message);
  });
});

describe('readBackupArchive skips entries that are not regular files, never following them', () => {
  it('counts fifos, block and character devices, links, contiguous files and unknown types', async () => {
    const result = await outcome(
      gzipSync(
        tar([
          { name: 'resources/fifo', type: '6' },
          { name: 'resources/block', type: '4' },
          { name: 'resources/char', type: '3' },
          { name: 'resources/sym', type: '2', linkname: '../../../../etc/shadow' },
          { name: 'resources/hard', type: '1', linkname: '/etc/shadow' },
          { name: 'resources/contiguous', type: '7', data: 'x' },
          { name: 'resources/odd', type: 'Z', data: 'abc' },
          { name: item, data: pod },
        ]),
      ),
    );
    expect(result.paths).toEqual([item]);
    expect(result.skipped?.count).toBe(7);
    expect(result.skipped?.byType).toMatchObject({
      fifo: 1,
      'block-device': 1,
      'character-device': 1,
      symlink: 1,
      link: 1,
    });
  });
});
