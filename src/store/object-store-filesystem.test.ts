import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { describeObjectStoreContract } from './object-store.contract.ts';
import { FilesystemObjectStore } from './providers/filesystem/filesystem-store.ts';

describeObjectStoreContract('filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-fs-store-'));
  return {
    store: new FilesystemObjectStore({ root }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('filesystem store specifics', () => {
  it('reports a missing root folder as NOT_FOUND with a hint', async () => {
    const store = new FilesystemObjectStore({ root: join(tmpdir(), 'lifeboat-no-such-root-xyz') });
    const err = await store.put('a', 'x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).code).toBe('NOT_FOUND');
    expect((err as LifeboatError).message).toMatch(/the location's folder .* does not exist/);
    expect((err as LifeboatError).hint).toMatch(/mounted\? lifeboat location create makes the folder/);
  });

  it('refuses every operation on a missing root, and creates nothing', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'lifeboat-fs-store-'));
    const root = join(parent, 'unmounted');
    const store = new FilesystemObjectStore({ root });
    const attempts: (() => Promise<unknown>)[] = [
      () => store.put('backups/a', 'x'),
      () => store.put('backups/b', Readable.from(['x'])),
      () => store.get('backups/a'),
      () => store.head('backups/a'),
      () => store.delete('backups/a'),
      () => store.listCommonPrefixes('backups/'),
      async () => {
        for await (const _ of store.list('')) return;
      },
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await readdir(parent)).toEqual([]);
    await rm(parent, { recursive: true, force: true });
  });

  it('rejects keys that escape the root', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lifeboat-fs-store-'));
    const store = new FilesystemObjectStore({ root });
    await expect(store.put('../escape', 'x')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(store.get('a/../../b')).rejects.toMatchObject({ code: 'USAGE' });
    await rm(root, { recursive: true, force: true });
  });

  it('leaves no temp file behind after a failed write and never lists the temp folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lifeboat-fs-store-'));
    const store = new FilesystemObjectStore({ root });
    const failing = new (await import('node:stream')).Readable({
      read() {
        this.destroy(new Error('source broke'));
      },
    });
    await expect(store.put('x/y', failing)).rejects.toThrow(/source broke/);
    expect(await readdir(join(root, '.lifeboat-tmp'))).toEqual([]);
    expect(await store.listCommonPrefixes('')).toEqual([]);
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a relative root', () => {
    expect(() => new FilesystemObjectStore({ root: 'relative/path' })).toThrow(/absolute/);
  });
});
