import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { extractBackupArchive } from './extract.ts';
import { BackupArchiveWriter } from './writer.ts';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'lifeboat-extract-'));
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

describe('extractBackupArchive', () => {
  it('writes every regular file under destDir (files 0644, dirs 0755) and returns the catalog', async () => {
    const json = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"app"}}';
    const dest = join(work, 'out');
    const result = await extractBackupArchive(
      Readable.from([await archiveOf([{ namespace: 'app', name: 'web-0', json }])]),
      dest,
    );
    expect(result.files).toBe(3);
    expect(result.version).toBe('1.1.0');
    expect(result.catalog.items('pods').map((i) => i.path)).toEqual([
      'resources/pods/namespaces/app/web-0.json',
    ]);
    const file = join(dest, 'resources/pods/namespaces/app/web-0.json');
    expect(readFileSync(file, 'utf8')).toBe(json);
    expect(
      readFileSync(join(dest, 'resources/pods/v1-preferredversion/namespaces/app/web-0.json'), 'utf8'),
    ).toBe(json);
    expect(readFileSync(join(dest, 'metadata/version'), 'utf8')).toBe('1.1.0\n');
    const umask = process.umask();
    expect(statSync(file).mode & 0o777).toBe(0o644 & ~umask);
    expect(statSync(join(dest, 'resources/pods/namespaces')).mode & 0o777).toBe(0o755 & ~umask);
  });

  it('never writes through a symlink already in destDir', async () => {
    const outside = join(work, 'outside.txt');
    writeFileSync(outside, 'untouched');
    const dest = join(work, 'out');
    mkdirSync(join(dest, 'resources/pods/cluster'), { recursive: true });
    symlinkSync(outside, join(dest, 'resources/pods/cluster/x.json'));
    const err: unknown = await extractBackupArchive(
      Readable.from([await archiveOf([{ name: 'x', json: '{}' }])]),
      dest,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).code).toBe('CORRUPT');
    expect((err as LifeboatError).message).toMatch(/collides with a symlink/);
    expect(readFileSync(outside, 'utf8')).toBe('untouched');
    expect(lstatSync(join(dest, 'resources/pods/cluster/x.json')).isSymbolicLink()).toBe(true);
  });

  it('refuses a directory symlink in the way instead of following it', async () => {
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    const dest = join(work, 'out');
    mkdirSync(join(dest, 'resources'), { recursive: true });
    symlinkSync(elsewhere, join(dest, 'resources/pods'));
    await expect(
      extractBackupArchive(Readable.from([await archiveOf([{ name: 'x', json: '{}' }])]), dest),
    ).rejects.toThrow(/needs directory "resources\/pods", which exists and is not a directory/);
    expect(existsSync(join(elsewhere, 'cluster'))).toBe(false);
  });
});
