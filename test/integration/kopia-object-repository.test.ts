import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDirManifest, encodeDirManifest } from '../../src/volumedata/kopia/object/directory.ts';
import { decodeIndirect, encodeIndirect } from '../../src/volumedata/kopia/object/indirect.ts';
import {
  decodeManifestContent,
  decodeManifestJson,
  encodeManifestJson,
  findManifests,
  mergeManifestEntries,
} from '../../src/volumedata/kopia/object/manifest.ts';
import { formatObjectId, indexObjectId, parseObjectId } from '../../src/volumedata/kopia/object/object-id.ts';
import {
  decodeSnapshotManifest,
  encodeSnapshotManifest,
  snapshotLabels,
} from '../../src/volumedata/kopia/object/snapshot-manifest.ts';
import { createSplitter } from '../../src/volumedata/kopia/object/splitter.ts';
import { kopiaBinaries } from '../helpers/kopia.ts';

// What the kopia CLI itself writes into a repository — directories, indirect objects, manifest
// contents, snapshot manifests — read back and re-encoded byte for byte with lifeboat's code.

const exec = promisify(execFile);

describe('objects the kopia CLI wrote', () => {
  let work: string;
  let kopiaPath: string;
  const big = randomBytes(20_000_000);

  async function kopia(...args: string[]): Promise<Buffer> {
    const { stdout } = await exec(kopiaPath, [...args, '--config-file', join(work, 'repo.config')], {
      encoding: 'buffer',
      maxBuffer: 1 << 28,
      env: { ...process.env, KOPIA_PASSWORD: 'pw', KOPIA_CHECK_FOR_UPDATES: 'false' },
    });
    return stdout;
  }

  beforeAll(async () => {
    kopiaPath = (await kopiaBinaries()).kopia;
    work = await mkdtemp(join(tmpdir(), 'kopia-object-'));
    const src = join(work, 'src');
    await mkdir(join(src, 'sub', 'empty-dir'), { recursive: true });
    await writeFile(join(src, 'big.bin'), big);
    await writeFile(join(src, 'sub', 'a<b>&"c" ü 😀.txt'), 'hello\n');
    await writeFile(join(src, 'sub', 'zero'), '');
    await symlink('../big.bin', join(src, 'sub', 'link'));
    await kopia(
      'repository',
      'create',
      'filesystem',
      '--path',
      join(work, 'repo'),
      '--no-persist-credentials',
      '--cache-directory',
      join(work, 'cache'),
    );
  }, 300_000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('directories, indirect objects and manifests decode and re-encode to kopia’s bytes', async () => {
    const created = JSON.parse(
      (await kopia('snapshot', 'create', join(work, 'src'), '--json', '--tags', 'env:prod')).toString(),
    ) as {
      id: string;
      rootEntry: { obj: string };
    };

    // Directories: every one, byte for byte.
    const pending = [created.rootEntry.obj];
    const files = new Map<string, string>();
    while (pending.length > 0) {
      const oid = pending.pop() ?? '';
      const bytes = await kopia('show', oid);
      const dir = decodeDirManifest(bytes, oid);
      expect(encodeDirManifest(dir).toString(), oid).toBe(bytes.toString());
      for (const e of dir.entries) {
        if (e.type === 'd') pending.push(formatObjectId(e.obj));
        else files.set(e.name, formatObjectId(e.obj));
      }
    }
    expect([...files.keys()].sort()).toEqual(['a<b>&"c" ü 😀.txt', 'big.bin', 'link', 'zero']);

    // The big file: an indirect object whose chunks are where lifeboat's splitter cuts.
    const bigId = files.get('big.bin') ?? '';
    expect(bigId.startsWith('I')).toBe(true);
    const index = formatObjectId(indexObjectId(parseObjectId(bigId, 'big.bin')));
    const indexBytes = await kopia('content', 'show', index);
    const entries = decodeIndirect(indexBytes, index);
    expect(encodeIndirect(entries).toString()).toBe(indexBytes.toString());
    const splitter = createSplitter('DYNAMIC-4M-BUZHASH');
    const lengths: number[] = [];
    let rest: Buffer = big;
    for (let n = splitter.nextSplitPoint(rest); n > 0; n = splitter.nextSplitPoint(rest)) {
      lengths.push(n);
      rest = rest.subarray(n);
    }
    if (rest.length > 0) lengths.push(rest.length);
    expect(entries.map((e) => e.length)).toEqual(lengths);

    // Manifests: the snapshot is found by its labels and decodes to what the CLI printed.
    const contents = (await kopia('content', 'list', '--prefix', 'm')).toString().trim().split('\n');
    const decoded = await Promise.all(
      contents.map(async (id) => decodeManifestContent(await kopia('content', 'show', id), id)),
    );
    const merged = mergeManifestEntries(decoded);
    const [entry, ...others] = findManifests(merged.values(), { type: 'snapshot' });
    expect(others).toEqual([]);
    expect(entry?.id).toBe(created.id);
    if (entry === undefined) throw new Error('no snapshot manifest');
    const snapshot = decodeSnapshotManifest(entry);
    expect(JSON.parse(encodeSnapshotManifest(snapshot))).toEqual(entry.data);
    expect(snapshot.rootEntry && formatObjectId(snapshot.rootEntry.obj)).toBe(created.rootEntry.obj);
    expect({ ...snapshotLabels(snapshot) }).toEqual({ ...entry.labels });

    // A deleted snapshot: kopia writes a newer deletion entry, and the merge drops the snapshot.
    await kopia('snapshot', 'delete', created.id, '--delete');
    const after = (await kopia('content', 'list', '--prefix', 'm')).toString().trim().split('\n');
    const all = await Promise.all(
      after.map(async (id) => decodeManifestContent(await kopia('content', 'show', id), id)),
    );
    expect(all.flat().some((e) => e.id === created.id && e.deleted)).toBe(true);
    expect(mergeManifestEntries(all).has(created.id)).toBe(false);
    expect(mergeManifestEntries(all).size).toBe(merged.size - 1);

    // Contents holding only snapshots and deletions re-encode to kopia's JSON byte for byte.
    let reencoded = 0;
    for (const id of after) {
      const json = gunzipSync(await kopia('content', 'show', id));
      const entries = decodeManifestJson(json, id);
      if (!entries.every((e) => e.deleted || e.labels?.['type'] === 'snapshot')) continue;
      const ours = entries.map((e) =>
        e.deleted ? e : { ...e, data: encodeSnapshotManifest(decodeSnapshotManifest(e)) },
      );
      expect(encodeManifestJson(ours).toString(), id).toBe(json.toString());
      reencoded++;
    }
    expect(reencoded).toBeGreaterThanOrEqual(2);
  }, 300_000);
});
