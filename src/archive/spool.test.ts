import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { spoolBackupArchive } from './spool.ts';
import { BackupArchiveWriter } from './writer.ts';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'lifeboat-spool-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function archiveOf(items: { namespace?: string; name: string; json: string }[]): Promise<Buffer> {
  const writer = new BackupArchiveWriter();
  const out = readAll(writer.output);
  await writer.writeVersion();
  for (const item of items)
    await writer.addItem({ groupResource: 'pods', version: 'v1', preferredVersion: 'v1', ...item });
  await writer.finish();
  return out;
}

async function rawTarGz(entries: { name: string; body: string }[]): Promise<Buffer> {
  const p = pack();
  const out = readAll(p);
  for (const e of entries) p.entry({ name: e.name }, e.body);
  p.finalize();
  return gzipSync(await out);
}

describe('spoolBackupArchive', () => {
  it('stores classic items only, reads each back by offset, and leaves no file behind', async () => {
    const a = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"app"}}';
    const b = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"app"},"x":1}';
    const c = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"node"}}';
    const spooled = await spoolBackupArchive(
      Readable.from([
        await archiveOf([
          { namespace: 'app', name: 'web-0', json: a },
          { namespace: 'app', name: 'web-1', json: b },
          { name: 'node', json: c },
        ]),
      ]),
      join(work, 'items.spool'),
    );
    try {
      expect(spooled.files).toBe(7);
      expect(spooled.version).toBe('1.1.0');
      expect(spooled.catalog.count()).toBe(3);
      expect(spooled.catalog.versionDirs('pods')).toEqual(['v1-preferredversion']);
      expect(spooled.catalog.items('pods').map((i) => i.path)).toEqual([
        'resources/pods/cluster/node.json',
        'resources/pods/namespaces/app/web-0.json',
        'resources/pods/namespaces/app/web-1.json',
      ]);
      expect((await spooled.read('resources/pods/namespaces/app/web-1.json')).toString()).toBe(b);
      expect(spooled.sizeOf('resources/pods/namespaces/app/web-1.json')).toBe(b.length);
      expect(spooled.sizeOf('resources/pods/v1-preferredversion/cluster/node.json')).toBeUndefined();
      expect((await spooled.read('resources/pods/cluster/node.json')).toString()).toBe(c);
      expect((await spooled.read('resources/pods/namespaces/app/web-0.json')).toString()).toBe(a);
      await expect(spooled.read('resources/pods/v1-preferredversion/cluster/node.json')).rejects.toThrow(
        /ENOENT/,
      );
      expect(readdirSync(work)).toEqual([]);
    } finally {
      await spooled.close();
    }
  });

  it.each([
    [
      'a duplicated entry (an extraction would keep the last copy)',
      [
        { name: 'resources/pods/cluster/x.json', body: 'first' },
        { name: 'resources/pods/cluster/x.json', body: 'second!' },
      ],
      /"resources\/pods\/cluster\/x.json" more than once/,
    ],
    [
      'a file where a directory is needed',
      [
        { name: 'resources/pods', body: 'x' },
        { name: 'resources/pods/cluster/x.json', body: '{}' },
      ],
      /needs directory "resources\/pods", which exists and is not a directory/,
    ],
    [
      'a file where a directory was made',
      [
        { name: 'resources/pods/cluster/x.json', body: '{}' },
        { name: 'resources/pods/cluster', body: 'x' },
      ],
      /"resources\/pods\/cluster" collides with a directory/,
    ],
    [
      'an item file used as a directory',
      [
        { name: 'resources/pods/cluster/x.json', body: '{}' },
        { name: 'resources/pods/cluster/x.json/y', body: 'x' },
      ],
      /needs directory "resources\/pods\/cluster\/x.json"/,
    ],
  ])('refuses %s with CORRUPT', async (_what, entries, message) => {
    const spool = join(work, 'items.spool');
    const err: unknown = await spoolBackupArchive(Readable.from([await rawTarGz(entries)]), spool).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).code).toBe('CORRUPT');
    expect((err as LifeboatError).message).toMatch(message);
    expect(existsSync(spool)).toBe(false);
  });
});
