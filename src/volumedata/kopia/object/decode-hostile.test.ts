import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeDirManifest } from './directory.ts';
import { decodeIndirect, entriesForRange } from './indirect.ts';
import { decodeManifestContent, type ManifestEntry, mergeManifestEntries } from './manifest.ts';
import { parseObjectId } from './object-id.ts';
import { decodeSnapshotManifest } from './snapshot-manifest.ts';

// Everything read from a repository is hostile: malformed input is a CORRUPT LifeboatError.

const corrupt = expect.objectContaining({ code: 'CORRUPT' }) as Error;
const dir = (entries: unknown) =>
  Buffer.from(JSON.stringify({ stream: 'kopia:directory', entries, summary: null }));
const file = (name: string) => ({ name, type: 'f', obj: '0123456789abcdef0123456789abcdef' });
const indirect = (entries: unknown) => Buffer.from(JSON.stringify({ stream: 'kopia:indirect', entries }));
const oid = '0123456789abcdef0123456789abcdef';

describe('directory manifests from a repository', () => {
  it('refuses names that leave the directory or repeat', () => {
    for (const name of ['', '.', '..', 'a/b', '/', 'a\0b']) {
      expect(() => decodeDirManifest(dir([file(name)]), 'k1')).toThrow(corrupt);
    }
    expect(() => decodeDirManifest(dir([file('a'), file('a')]), 'k1')).toThrow(corrupt);
    expect(decodeDirManifest(dir([file('...'), file('a b')]), 'k1').entries).toHaveLength(2);
  });

  it('refuses malformed JSON, shapes, modes, times and object IDs', () => {
    for (const bad of [
      Buffer.from('{'),
      Buffer.from('[]'),
      Buffer.from(JSON.stringify({ stream: 'other', entries: [] })),
      dir([{ ...file('a'), mode: 'rwx' }]),
      dir([{ ...file('a'), mtime: 'yesterday' }]),
      dir([{ ...file('a'), obj: 'IZk01' }]),
      dir([{ ...file('a'), size: -1 }]),
      dir([{ ...file('a'), uid: 2 ** 32 }]),
    ]) {
      expect(() => decodeDirManifest(bad, 'k1')).toThrow(corrupt);
    }
  });

  it('refuses every field of the wrong type, naming it', () => {
    const summary = (summ: unknown) =>
      Buffer.from(JSON.stringify({ stream: 'kopia:directory', entries: null, summary: summ }));
    for (const [bad, field] of [
      [Buffer.from(JSON.stringify({ stream: 'kopia:directory', entries: {} })), 'entries'],
      [Buffer.from(JSON.stringify({ stream: 'kopia:directory', summary: null })), 'entries'],
      [dir([42]), 'entries.0'],
      [dir([file('a'), { ...file('b'), name: 7 }]), 'entries.1.name'],
      [dir([{ name: 'a', type: 'f' }]), 'entries.0.obj'],
      [dir([{ ...file('a'), type: 'f'.repeat(17) }]), 'entries.0.type'],
      [dir([{ ...file('a'), size: 1.5 }]), 'entries.0.size'],
      [dir([{ ...file('a'), gid: '0' }]), 'entries.0.gid'],
      [dir([{ ...file('a'), summ: { files: 'many' } }]), 'entries.0.summ.files'],
      [dir([{ ...file('a'), summ: { errors: [{ path: 'x' }] } }]), 'entries.0.summ.errors.0'],
      [summary([]), 'summary'],
      [summary({ maxTime: 5 }), 'summary.maxTime'],
      [summary({ errors: {} }), 'summary.errors'],
    ] as const) {
      expect(() => decodeDirManifest(bad, 'k1'), field).toThrow(corrupt);
      expect(() => decodeDirManifest(bad, 'k1'), field).toThrow(`k1 is malformed: ${field}:`);
    }
    const m = decodeDirManifest(
      summary({
        size: 3,
        files: 1,
        maxTime: '2024-01-02T03:04:05.000000006Z',
        errors: [{ path: 'p', error: 'e' }],
      }),
      'k1',
    );
    expect(m.summary).toMatchObject({
      size: 3,
      files: 1,
      dirs: 0,
      numFailed: 0,
      errors: [{ path: 'p', error: 'e' }],
    });
    expect(m.summary?.maxTime).toBe(1_704_164_645_000_000_006n);
  });

  it('reads modes as kopia does', () => {
    const m = decodeDirManifest(
      dir([
        { ...file('a'), mode: '040000755' },
        { ...file('b'), mode: '420' },
      ]),
      'k1',
    );
    expect(m.entries.map((e) => e.mode)).toEqual([(1 << 23) | 0o755, 420]);
  });
});

describe('indirect objects from a repository', () => {
  it('refuses gaps, overlaps, disorder and emptiness', () => {
    for (const entries of [
      [],
      [{ s: 1, l: 5, o: oid }],
      [
        { l: 5, o: oid },
        { s: 6, l: 5, o: oid },
      ],
      [
        { l: 5, o: oid },
        { s: 4, l: 5, o: oid },
      ],
      [
        { l: 5, o: oid },
        { s: 0, l: 5, o: oid },
      ],
      [{ l: 2 ** 60, o: oid }],
      [{ l: 5, o: 'zz' }],
    ]) {
      expect(() => decodeIndirect(indirect(entries), 'x1'), JSON.stringify(entries)).toThrow(corrupt);
    }
  });

  it('maps a byte range to the entries holding it', () => {
    const entries = decodeIndirect(
      indirect([
        { l: 10, o: oid },
        { s: 10, l: 5, o: oid },
        { s: 15, l: 7, o: oid },
      ]),
      'x1',
    );
    const slices = entriesForRange(entries, 8, 9).map((s) => [s.entry.start, s.offset, s.length]);
    expect(slices).toEqual([
      [0, 8, 2],
      [10, 0, 5],
      [15, 0, 2],
    ]);
    expect(entriesForRange(entries, 21, 100).map((s) => s.length)).toEqual([1]);
    expect(entriesForRange(entries, 22, 1)).toEqual([]);
  });
});

describe('manifest contents from a repository', () => {
  const entry = (id: string, modified: bigint, deleted = false): ManifestEntry => ({
    id,
    labels: deleted ? null : { type: 'snapshot' },
    modified,
    deleted,
    data: null,
  });

  it('refuses what is not gzip of kopia’s JSON', () => {
    expect(() => decodeManifestContent(Buffer.from('plain'), 'm1')).toThrow(corrupt);
    expect(() => decodeManifestContent(gzipSync('{"entries":[{"id":"a"}]}'), 'm1')).toThrow(corrupt);
    expect(() => decodeManifestContent(gzipSync('{"entries":[{"id":"a","modified":"x"}]}'), 'm1')).toThrow(
      corrupt,
    );
  });

  it('caps the unpacked size', () => {
    const spaces = gzipSync(Buffer.alloc(1 << 20, 0x20));
    expect(() => decodeManifestContent(spaces, 'm1', 1000)).toThrow(corrupt);
  });

  it('keeps the latest entry per ID and drops deletions (a deletion wins a tie)', () => {
    const merged = mergeManifestEntries([
      [entry('a', 1n), entry('b', 5n), entry('c', 1n)],
      [entry('a', 2n, true), entry('b', 4n, true), entry('c', 1n, true)],
    ]);
    expect([...merged.keys()]).toEqual(['b']);
  });

  it('refuses a snapshot manifest of the wrong type or shape', () => {
    expect(() => decodeSnapshotManifest({ ...entry('a', 1n), labels: { type: 'policy' } })).toThrow(corrupt);
    expect(() => decodeSnapshotManifest({ ...entry('a', 1n), data: { source: 1 } })).toThrow(corrupt);
  });
});

describe('object IDs from a repository', () => {
  it('refuses deep indirection and empty IDs', () => {
    expect(() => parseObjectId(`${'I'.repeat(9)}${oid}`, 't')).toThrow(corrupt);
    expect(() => parseObjectId('', 't')).toThrow(corrupt);
    expect(parseObjectId(`II${oid.toUpperCase()}`, 't')).toEqual({
      indirection: 2,
      compressed: false,
      contentId: oid,
    });
  });
});
