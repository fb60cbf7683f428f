import { lstat, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../errors/index.ts';
import { writeOutputFile } from './output-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-output-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const body = () => Readable.from([Buffer.from('tarball bytes')]);

async function refusal(promise: Promise<unknown>): Promise<LifeboatError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LifeboatError);
  return err as LifeboatError;
}

describe('writeOutputFile', () => {
  it('writes a new file, mode 0600, and leaves no temp file', async () => {
    const file = join(dir, 'b.tar.gz');
    expect(await writeOutputFile(file, body(), false)).toBe(13);
    expect(await readFile(file, 'utf8')).toBe('tarball bytes');
    expect((await lstat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['b.tar.gz']);
  });

  it('refuses a pre-planted symlink at the path and never writes through it', async () => {
    const target = join(dir, 'precious');
    await writeFile(target, 'keep me');
    const file = join(dir, 'b.tar.gz');
    await symlink(target, file);
    const err = await refusal(writeOutputFile(file, body(), false));
    expect(err.code).toBe('ALREADY_EXISTS');
    expect(err.hint).toMatch(/--force/);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    expect(await readlink(file)).toBe(target);
    expect((await readdir(dir)).sort()).toEqual(['b.tar.gz', 'precious']);
  });

  it('refuses a dangling symlink too (it would create the file it points to)', async () => {
    const file = join(dir, 'b.tar.gz');
    await symlink(join(dir, 'created-elsewhere'), file);
    expect((await refusal(writeOutputFile(file, body(), false))).code).toBe('ALREADY_EXISTS');
    expect(await readdir(dir)).toEqual(['b.tar.gz']);
  });

  it('refuses an existing file unless asked to replace it', async () => {
    const file = join(dir, 'b.tar.gz');
    await writeFile(file, 'old');
    expect((await refusal(writeOutputFile(file, body(), false))).code).toBe('ALREADY_EXISTS');
    expect(await readFile(file, 'utf8')).toBe('old');
    await writeOutputFile(file, body(), true);
    expect(await readFile(file, 'utf8')).toBe('tarball bytes');
  });

  it('with replace, replaces a symlink at the path instead of following it', async () => {
    const target = join(dir, 'precious');
    await writeFile(target, 'keep me');
    const file = join(dir, 'b.tar.gz');
    await symlink(target, file);
    await writeOutputFile(file, body(), true);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    expect((await lstat(file)).isSymbolicLink()).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('tarball bytes');
  });

  it('removes the temp file when the download fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(writeOutputFile(join(dir, 'b.tar.gz'), failing, false)).rejects.toThrow('connection reset');
    expect(await readdir(dir)).toEqual([]);
  });
});
