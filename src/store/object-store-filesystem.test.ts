import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect((err as LifeboatError).hint).toMatch(/create the folder/);
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
