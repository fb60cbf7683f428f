import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { END, header, tar } from '../../archive/hostile-tar.fixture.ts';
import { LifeboatError } from '../../errors/index.ts';
import { BackupStore, MemoryObjectStore, StoreLayout } from '../../store/index.ts';
import { extractBackup } from './extract-backup.ts';

const MiB = 1024 ** 2;
const pod = (name: string) => ({
  name: `resources/pods/namespaces/app/${name}.json`,
  data: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","namespace":"app"}}`,
});

let temp: string;
let savedTmp: string | undefined;
beforeEach(() => {
  // extractBackup makes its spool dir in os.tmpdir(): a private one shows what is left behind.
  temp = mkdtempSync(join(tmpdir(), 'lifeboat-extract-test-'));
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = temp;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(temp, { recursive: true, force: true });
});

async function storeWith(tarball: Buffer): Promise<BackupStore> {
  const memory = new MemoryObjectStore();
  await memory.put(new StoreLayout('').backupFileKey('b1', 'contents'), tarball);
  return new BackupStore(memory, '');
}

describe('extractBackup under the archive limits', () => {
  it('refuses a duplicated item with CORRUPT and leaves no spool behind', async () => {
    const store = await storeWith(gzipSync(tar([pod('a'), pod('b'), pod('a')])));
    const err: unknown = await extractBackup(store, 'b1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).details).toEqual({
      check: 'duplicate',
      entry: 'resources/pods/namespaces/app/a.json',
    });
    expect(readdirSync(temp)).toEqual([]);
  });

  it('refuses an entry over --max-entry-bytes, leaving nothing behind, and reads it once the limit is raised', async () => {
    const big = Buffer.alloc(2 * MiB, 0x20);
    big.write(pod('big').data);
    const tarball = gzipSync(
      Buffer.concat([header(pod('big').name, big.length), big, tar([pod('a')], false), END]),
    );
    const store = await storeWith(tarball);
    const err: unknown = await extractBackup(store, 'b1', { maxEntryBytes: MiB }).catch((e: unknown) => e);
    expect((err as LifeboatError).details).toMatchObject({
      limit: 'maxEntryBytes',
      flag: '--max-entry-bytes',
    });
    expect(readdirSync(temp)).toEqual([]);

    const extracted = await extractBackup(store, 'b1', { maxEntryBytes: 4 * MiB });
    try {
      expect(readdirSync(temp)).toEqual([expect.stringMatching(/^lifeboat-restore-/)]);
      expect(extracted.catalog.count()).toBe(2);
      expect(extracted.itemBytes(pod('big').name)).toBe(2 * MiB);
      expect(extracted.itemBytes('resources/pods/namespaces/app/none.json')).toBe(0);
      expect((await extracted.readItem(pod('a').name)).metadata.name).toBe('a');
    } finally {
      await extracted.remove();
    }
    expect(readdirSync(temp)).toEqual([]);
  });
});
