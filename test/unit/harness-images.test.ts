import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { parentDirs, writeImageArchive } from '../harness/images.ts';

interface Entry {
  name: string;
  type: string;
  mode: number;
  linkname: string | null;
  body: Buffer;
}

async function untar(data: Buffer): Promise<Entry[]> {
  const entries: Entry[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        if (Buffer.isBuffer(c)) chunks.push(c);
      });
      stream.on('end', () => {
        entries.push({
          name: header.name,
          type: header.type ?? 'file',
          mode: header.mode ?? 0,
          linkname: header.linkname ?? null,
          body: Buffer.concat(chunks),
        });
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([data]).pipe(ex);
  await done;
  return entries;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('docker-archive images', () => {
  it('writes a manifest, a config whose diff_id is the layer digest, and the layer entries in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-image-'));
    try {
      const path = join(dir, 'image.tar');
      await writeImageArchive(
        {
          ref: 'registry.local/test:1',
          entries: [
            ...parentDirs(['usr/local/bin/tool']),
            { type: 'file', path: 'usr/local/bin/tool', mode: 0o755, content: Buffer.from('#!/bin/sh\n') },
            { type: 'symlink', path: 'usr/local/bin/alias', target: 'tool' },
            { type: 'dir', path: 'tmp', mode: 0o1777 },
          ],
          entrypoint: ['/usr/local/bin/tool'],
          user: '65534:65534',
        },
        path,
      );
      const outer = await untar(await readFile(path));
      const manifestEntry = outer.find((e) => e.name === 'manifest.json');
      const manifest = JSON.parse(manifestEntry?.body.toString() ?? '[]') as {
        Config: string;
        RepoTags: string[];
        Layers: string[];
      }[];
      expect(manifest).toHaveLength(1);
      expect(manifest[0]?.RepoTags).toEqual(['registry.local/test:1']);
      const configEntry = outer.find((e) => e.name === manifest[0]?.Config);
      const layerEntry = outer.find((e) => e.name === manifest[0]?.Layers[0]);
      if (configEntry === undefined || layerEntry === undefined) throw new Error('config or layer missing');
      expect(configEntry.name).toBe(`${sha256(configEntry.body)}.json`);
      const config = JSON.parse(configEntry.body.toString()) as {
        rootfs: { type: string; diff_ids: string[] };
        config: { Entrypoint: string[]; User: string };
      };
      expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [`sha256:${sha256(layerEntry.body)}`] });
      expect(config.config.Entrypoint).toEqual(['/usr/local/bin/tool']);
      expect(config.config.User).toBe('65534:65534');

      const layer = await untar(layerEntry.body);
      expect(layer.map((e) => [e.name, e.type])).toEqual([
        ['usr', 'directory'],
        ['usr/local', 'directory'],
        ['usr/local/bin', 'directory'],
        ['usr/local/bin/tool', 'file'],
        ['usr/local/bin/alias', 'symlink'],
        ['tmp', 'directory'],
      ]);
      expect(layer[3]?.mode).toBe(0o755);
      expect(layer[3]?.body.toString()).toBe('#!/bin/sh\n');
      expect(layer[4]?.linkname).toBe('tool');
      expect(layer[5]?.mode).toBe(0o1777);

      // The same input gives the same bytes: image ids stay stable between runs.
      const again = join(dir, 'again.tar');
      await writeImageArchive(
        { ref: 'registry.local/test:1', entries: [{ type: 'dir', path: 'tmp' }] },
        again,
      );
      const third = join(dir, 'third.tar');
      await writeImageArchive(
        { ref: 'registry.local/test:1', entries: [{ type: 'dir', path: 'tmp' }] },
        third,
      );
      expect(sha256(await readFile(again))).toBe(sha256(await readFile(third)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
