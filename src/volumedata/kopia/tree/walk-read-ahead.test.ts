import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../errors/index.ts';
import { readAhead, readAheadWalk } from './walk-read-ahead.ts';
import { walkTree, type LocalDirectory } from './walk-tree.ts';

let base: string;
let server: Server | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lifeboat-read-ahead-'));
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  if (server) await new Promise((r) => server?.close(r));
  server = undefined;
  await rm(base, { recursive: true, force: true });
});

async function collect(walk: AsyncIterable<LocalDirectory>): Promise<LocalDirectory[]> {
  const out: LocalDirectory[] = [];
  for await (const dir of walk) out.push(dir);
  return out;
}

async function caught(p: Promise<unknown>): Promise<LifeboatError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LifeboatError);
  return err as LifeboatError;
}

/** Event-loop turns enough for a read-ahead to read whatever it is going to read of a small walk. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await turn();
}

/** A directory of n empty files, counting 1 + n toward the bound. */
function dir(relativePath: string, n: number): LocalDirectory {
  const entry = { type: 'file' as const, mode: 0o644, size: 0, mtimeNs: 0n, uid: 0, gid: 0, device: 0n };
  return {
    path: `/x/${relativePath}`,
    relativePath,
    self: { ...entry, name: relativePath, type: 'directory' },
    entries: Array.from({ length: n }, (_, i) => ({ ...entry, name: `f${i}` })),
    skipped: [],
  };
}

/** A walk of the given directories that counts how many were taken, then fails if told to. */
function countedWalk(dirs: LocalDirectory[], fail?: Error) {
  const seen = { taken: 0, returned: false };
  async function* walk(): AsyncGenerator<LocalDirectory> {
    try {
      for (const d of dirs) {
        await turn();
        seen.taken++;
        yield d;
      }
      if (fail) throw fail;
    } finally {
      seen.returned = true;
    }
  }
  return { seen, walk: walk() };
}

describe('readAheadWalk', () => {
  it('gives the same directories, entries and order as walkTree', async () => {
    const root = join(base, 'r');
    await mkdir(join(root, 'b/c/d'), { recursive: true });
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'empty'));
    for (const f of ['top', 'a/1', 'b/2', 'b/c/3', 'b/c/d/4']) await writeFile(join(root, f), f);
    await symlink('top', join(root, 'link'));
    server = createServer();
    await new Promise<void>((r) => server?.listen(join(root, 'b/sock'), r));
    const read = await collect(readAheadWalk(root, { maxEntries: 2 }));
    expect(read).toEqual(await collect(walkTree(root)));
    expect(read.map((d) => d.relativePath)).toEqual(['a', 'b/c/d', 'b/c', 'b', 'empty', '']);
    expect(read.find((d) => d.relativePath === 'b')?.skipped).toEqual(['sock']);
  });

  it('fails a missing root as walkTree does, in rootChecked() and in the iteration', async () => {
    const missing = join(base, 'missing');
    const ahead = readAheadWalk(missing);
    const checked = await caught(ahead.rootChecked());
    expect(checked).toMatchObject({ code: 'NOT_FOUND', message: `${missing} does not exist.` });
    expect(checked.hint).toBe('Name the directory to snapshot.');
    const iterated = await caught(collect(ahead));
    const today = await caught(collect(walkTree(missing)));
    expect([iterated.code, iterated.message, iterated.hint]).toEqual([today.code, today.message, today.hint]);

    await writeFile(join(base, 'file'), 'x');
    expect(await caught(collect(readAheadWalk(join(base, 'file'))))).toMatchObject({ code: 'USAGE' });
    await expect(readAheadWalk(base).rootChecked()).resolves.toBeUndefined();
  });

  it('leaves no rejection unhandled when nothing iterates or asks, stopped or not', async () => {
    readAheadWalk(join(base, 'missing'));
    readAheadWalk(join(base, 'missing')).stop();
    const { walk } = countedWalk([dir('a', 1)], new Error('unreadable'));
    readAhead(walk);
    await settle();
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandled).toEqual([]);
  });
});

describe('readAhead', () => {
  it('stops reading at the bound of queued entries and reads on as the iteration takes them', async () => {
    const dirs = Array.from({ length: 10 }, (_, i) => dir(`d${i}`, 3)); // 4 each toward the bound
    const { seen, walk } = countedWalk(dirs);
    const ahead = readAhead(walk, { maxEntries: 10 });
    await settle();
    // 3 directories queued (12 > 10): the walk is paused there, however long it waits.
    expect(seen.taken).toBe(3);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.taken).toBe(3);
    const it = ahead[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(dirs[0]);
    await settle();
    expect(seen.taken).toBe(4); // one taken, one more read
    const rest: LocalDirectory[] = [];
    for (let r = await it.next(); r.done !== true; r = await it.next()) rest.push(r.value);
    expect(rest).toEqual(dirs.slice(1));
  });

  it('gives the directories read before an error, then the error', async () => {
    const dirs = [dir('a', 1), dir('b', 2)];
    const fail = new LifeboatError('OPERATION_FAILED', 'Reading the directory /x/c failed: EIO');
    const { walk } = countedWalk(dirs, fail);
    const ahead = readAhead(walk);
    await settle();
    const got: LocalDirectory[] = [];
    const err = await caught(
      (async () => {
        for await (const d of ahead) got.push(d);
      })(),
    );
    expect(err).toBe(fail);
    expect(got).toEqual(dirs);
  });

  it('stops reading when aborted, and the iteration throws the reason, also while it waits', async () => {
    const dirs = Array.from({ length: 10 }, (_, i) => dir(`d${i}`, 3));
    const early = countedWalk(dirs);
    const controller = new AbortController();
    const ahead = readAhead(early.walk, { maxEntries: 10, signal: controller.signal });
    await settle();
    controller.abort(new Error('cancelled'));
    await settle();
    expect(early.seen.returned).toBe(true);
    expect(early.seen.taken).toBe(3);
    await expect(collect(ahead)).rejects.toThrow('cancelled');

    // The iteration waiting for a directory still to be read.
    let release: (() => void) | undefined;
    async function* slow(): AsyncGenerator<LocalDirectory> {
      await new Promise<void>((r) => {
        release = r;
      });
      yield dir('late', 0);
    }
    const waiting = new AbortController();
    const pending = collect(readAhead(slow(), { signal: waiting.signal }));
    await settle();
    waiting.abort(new Error('cancelled while waiting'));
    await expect(pending).rejects.toThrow('cancelled while waiting');
    release?.();

    const already = countedWalk(dirs);
    await expect(collect(readAhead(already.walk, { signal: AbortSignal.abort() }))).rejects.toThrow();
    expect(already.seen.taken).toBe(0);
  });

  it('stop() ends the walk and the iteration, and so does leaving the iteration early', async () => {
    const dirs = Array.from({ length: 10 }, (_, i) => dir(`d${i}`, 3));
    const stopped = countedWalk(dirs);
    const ahead = readAhead(stopped.walk, { maxEntries: 10 });
    await settle();
    ahead.stop();
    await settle();
    expect(stopped.seen.returned).toBe(true);
    expect(await collect(ahead)).toEqual([]);

    const left = countedWalk(dirs);
    for await (const d of readAhead(left.walk, { maxEntries: 10 })) {
      expect(d).toBe(dirs[0]);
      break;
    }
    await settle();
    expect(left.seen.returned).toBe(true);
    expect(left.seen.taken).toBeLessThan(dirs.length);
  });
});
