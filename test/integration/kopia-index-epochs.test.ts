import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kopiaBinaries, runOracle } from '../helpers/kopia.ts';
import type { ListedBlob } from '../../src/volumedata/kopia/index/complete-set.ts';
import { selectEpochIndexBlobs } from '../../src/volumedata/kopia/index/epoch.ts';
import type { IndexEntry } from '../../src/volumedata/kopia/index/index-entry.ts';
import { encodeIndexV2 } from '../../src/volumedata/kopia/index/index-v2-encode.ts';
import { MergedIndex } from '../../src/volumedata/kopia/index/merge.ts';
import { openIndex } from '../../src/volumedata/kopia/index/pack-index.ts';

const exec = promisify(execFile);

/**
 * kopia's epoch manager picks the index blobs of a real repository; lifeboat's selection over the
 * same listing must pick the same ones. The kopia CLI has no fake clock, so the test advances epochs
 * the way kopia itself does: by writing the epoch marker blob xe<n> ("epoch-marker") between
 * snapshots; maintenance then writes single-epoch compactions, a range checkpoint and a deletion
 * watermark.
 */
describe('index blob selection against kopia on a real repository', () => {
  let dir = '';
  let kopia = '';
  const repo = (): string => join(dir, 'repo');

  async function run(...args: string[]): Promise<string> {
    const { stdout } = await exec(
      kopia,
      [...args, '--config-file', join(dir, 'kopia.config'), '--password', 'static-passw0rd'],
      { env: { ...process.env, KOPIA_CHECK_FOR_UPDATES: 'false' }, maxBuffer: 1 << 28 },
    );
    return stdout;
  }

  /** Every blob in the filesystem repository: the sharded path with its separators and `.f` removed. */
  async function listing(): Promise<ListedBlob[]> {
    const out: ListedBlob[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.name.endsWith('.f')) {
          const s = await stat(p);
          out.push({
            id: relative(repo(), p).replaceAll('/', '').slice(0, -2),
            length: s.size,
            timestamp: s.mtime,
          });
        }
      }
    };
    await walk(repo());
    return out;
  }

  async function kopiaActiveIndexBlobs(): Promise<string[]> {
    const list = JSON.parse(await run('index', 'list', '--json')) as { id: string }[];
    return list.map((b) => b.id).sort();
  }

  async function expectSameSelection(): Promise<string[]> {
    const ours = selectEpochIndexBlobs(await listing())
      .blobs.map((b) => b.id)
      .sort();
    const theirs = await kopiaActiveIndexBlobs();
    expect(ours).toEqual(theirs);
    return ours;
  }

  /**
   * lifeboat's view of the repository's contents: the selected blobs' entries (decrypted and parsed
   * by kopia-oracle with kopia's content manager) merged by lifeboat's rule with the deletion
   * watermark; it must equal `kopia content list --deleted`.
   */
  async function expectSameContents(): Promise<number> {
    const selection = selectEpochIndexBlobs(await listing());
    const byBlob = JSON.parse(
      (
        await runOracle('repo-index-entries', [
          join(dir, 'kopia.config'),
          'static-passw0rd',
          ...selection.blobs.map((b) => b.id),
        ])
      ).toString(),
    ) as Record<string, IndexEntry[]>;
    const merged = new MergedIndex(
      selection.blobs.map((b) => openIndex(encodeIndexV2(byBlob[b.id] ?? []), b.id)),
      selection.deletionWatermarkSeconds,
    );
    const ours = [...merged.entries()].map((e) => [
      e.contentId,
      e.packBlobId,
      e.packOffset,
      e.packedLength,
      e.deleted,
    ]);
    const kopiaList = JSON.parse(await run('content', 'list', '--json', '--deleted')) as {
      contentID: string;
      packFile: string;
      packOffset?: number;
      length: number;
      deleted: boolean;
    }[];
    const theirs = kopiaList.map((c) => [c.contentID, c.packFile, c.packOffset ?? 0, c.length, c.deleted]);
    expect(ours).toEqual(theirs);
    return ours.length;
  }

  async function snapshotSomething(tag: string): Promise<void> {
    const data = join(dir, 'data');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, `${tag}.txt`), `content ${tag} ${Math.random()}`);
    await run('snapshot', 'create', data);
  }

  beforeAll(async () => {
    ({ kopia } = await kopiaBinaries());
    dir = await mkdtemp(join(tmpdir(), 'kopia-epochs-'));
    await run(
      'repository',
      'create',
      'filesystem',
      '--path',
      repo(),
      '--no-persist-credentials',
      '--cache-directory',
      join(dir, 'cache'),
      '--max-list-cache-duration=0s',
    );
  }, 120_000);

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('picks what kopia picks through epochs, compactions, a range checkpoint and a deletion watermark', async () => {
    await snapshotSomething('e0');
    const first = await expectSameSelection();
    expect(first.every((id) => id.startsWith('xn0_'))).toBe(true);

    for (let epoch = 1; epoch <= 10; epoch++) {
      await writeFile(join(repo(), `xe${epoch}.f`), 'epoch-marker');
      await snapshotSomething(`e${epoch}`);
    }
    const beforeMaintenance = await expectSameSelection();
    expect(beforeMaintenance.some((id) => id.startsWith('xn10_'))).toBe(true);
    await expectSameContents();

    // Deleting snapshots makes maintenance write deletion markers and a deletion watermark.
    const snapshots = JSON.parse(await run('snapshot', 'list', '--json', '--all')) as { id: string }[];
    for (const s of snapshots.slice(0, 5)) await run('snapshot', 'delete', s.id, '--delete');

    await run('maintenance', 'run', '--full', '--safety=none');
    const after = await expectSameSelection();
    const blobs = await listing();
    console.log(
      `epoch blobs after maintenance: ${blobs
        .map((b) => b.id)
        .filter((id) => id.startsWith('x'))
        .map((id) => id.split('_')[0])
        .join(' ')}; selected: ${after.map((id) => id.split('_').slice(0, -1).join('_')).join(' ')}`,
    );
    expect(after.some((id) => id.startsWith('xr') || id.startsWith('xs'))).toBe(true);
    const contents = await expectSameContents();
    console.log(`contents after maintenance: ${contents}`);
  }, 600_000);
  it("selects what kopia's epoch manager selects from 1000 generated listings", async () => {
    const listings = Array.from({ length: 1000 }, (_, i) => generatedListing(i + 1));
    const kopiaSelections = JSON.parse(
      (
        await runOracle(
          'epoch-select',
          [join(dir, 'kopia.config'), 'static-passw0rd'],
          JSON.stringify(listings.map((l) => l.map((b) => ({ ...b, timestamp: b.timestamp.toISOString() })))),
        )
      ).toString(),
    ) as { blobs: string[]; deletionWatermark: number | null }[];
    listings.forEach((listing, i) => {
      const ours = selectEpochIndexBlobs(listing);
      const theirs = kopiaSelections[i];
      expect({
        i,
        blobs: ours.blobs.map((b) => b.id).sort(),
        watermark: ours.deletionWatermarkSeconds ?? null,
      }).toEqual({
        i,
        blobs: [...(theirs?.blobs ?? [])].sort(),
        watermark: theirs?.deletionWatermark,
      });
    });
  }, 300_000);
});

/**
 * A random listing of epoch blobs (seeded): epoch markers, xn blobs, complete and incomplete
 * compaction sets, range checkpoints from a fixed menu that never makes two equally good chains
 * (kopia breaks such ties by Go map order), deletion watermarks, odd names; sorted by ID as storages
 * list.
 */
function generatedListing(seed: number): ListedBlob[] {
  let s = seed * 2654435761;
  const r = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const int = (n: number): number => Math.floor(r() * n);
  const hex = (): string =>
    Math.floor(r() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  const ids: string[] = [];
  const set = (prefix: string): void => {
    const count = 1 + int(3);
    const shards = r() < 0.75 ? count : int(count);
    const sid = `s${hex()}`;
    for (let k = 0; k < shards; k++) ids.push(`${prefix}${hex()}-${sid}-c${count}`);
  };
  for (let e = 1; e <= 12; e++) if (r() < 0.4) ids.push(`xe${e}`);
  for (let e = 0; e <= 13; e++) {
    for (let k = int(3); k > 0; k--) ids.push(`xn${e}_${hex()}-s${hex()}-c${1 + int(2)}`);
    if (r() < 0.5) set(`xs${e}_`);
    if (r() < 0.15) set(`xs${e}_`);
  }
  let ranges = 0;
  for (const [a, b] of [
    [0, 3],
    [4, 7],
    [0, 7],
    [8, 9],
    [0, 5],
    [4, 5],
    [1, 4],
  ] as const) {
    if (r() < 0.35) {
      set(`xr${a}_${b}_`);
      ranges++;
    }
  }
  // Range checkpoints cover settled epochs only; a chain reaching past write epoch + 1 makes kopia
  // v0.22.3 panic (a negative slice length in getCompleteIndexSetForCommittedState).
  if (ranges > 0) ids.push(`xe${9 + int(4)}`);
  for (let k = int(3); k > 0; k--) ids.push(`xw${1_700_000_000 + int(1_000_000)}`);
  if (r() < 0.2)
    ids.push('xe', 'xeq', `xe0${int(9)}`, 'xw', 'xwjunk', `xn0${int(9)}_${hex()}`, 'xr3_x', `xs_${hex()}`);
  return [...new Set(ids)].sort().map((id) => ({ id, length: 100, timestamp: new Date(1_790_000_000_000) }));
}
