import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LifeboatError } from '../../src/errors/index.ts';
import { BUZHASH_TABLE } from '../../src/volumedata/kopia/object/buzhash-table.ts';
import { type DirEntry, encodeDirEntry } from '../../src/volumedata/kopia/object/dir-entry.ts';
import {
  decodeDirManifest,
  type DirManifest,
  DirManifestBuilder,
  encodeDirManifest,
} from '../../src/volumedata/kopia/object/directory.ts';
import { goTime } from '../../src/volumedata/kopia/object/go-text.ts';
import {
  decodeIndirect,
  encodeIndirect,
  indirectEntries,
} from '../../src/volumedata/kopia/object/indirect.ts';
import { formatObjectId, parseObjectId } from '../../src/volumedata/kopia/object/object-id.ts';
import {
  decodeSnapshotManifest,
  encodeSnapshotManifest,
  type SnapshotManifest,
  snapshotManifestEntry,
  veleroSnapshotFields,
  veleroSnapshotSource,
} from '../../src/volumedata/kopia/object/snapshot-manifest.ts';
import { createSplitter } from '../../src/volumedata/kopia/object/splitter.ts';
import { runOracle } from '../helpers/kopia.ts';

// kopia's object layer against kopia's own packages (kopia-oracle, oracle/object.go).

/** Segment ends as the oracle prints them: one per line, then `end <length>`. */
function splitWithLifeboat(name: string, data: Buffer, chunk: number): string {
  const splitter = createSplitter(name);
  const lines: string[] = [];
  let position = 0;
  for (let start = 0; start < data.length; start += chunk) {
    let piece = data.subarray(start, Math.min(start + chunk, data.length));
    while (piece.length > 0) {
      const n = splitter.nextSplitPoint(piece);
      if (n < 0) {
        position += piece.length;
        break;
      }
      position += n;
      lines.push(String(position));
      piece = piece.subarray(n);
    }
  }
  if (data.length > 0) lines.push(`end ${data.length}`);
  return lines.map((line) => `${line}\n`).join('');
}

describe('splitter', () => {
  it('embeds the buzhash32 table kopia builds (GenerateHashes(1))', async () => {
    const table = (await runOracle('buzhash-table')).toString().trim().split('\n').map(Number);
    expect(table).toEqual([...BUZHASH_TABLE]);
  });

  it('cuts random data where kopia cuts it, whatever the chunk sizes fed', async () => {
    const data = randomBytes(6 << 20);
    for (const [name, chunk] of [
      ['DYNAMIC-128K-BUZHASH', data.length],
      ['DYNAMIC-128K-BUZHASH', 1],
      ['DYNAMIC-128K-BUZHASH', 63],
      ['DYNAMIC-256K-BUZHASH', 65_537],
      ['DYNAMIC-1M-BUZHASH', 1 << 20],
      ['FIXED-128K', 4093],
      ['FIXED', 1 << 20],
    ] as const) {
      const expected = (await runOracle('split', [name, String(chunk)], data)).toString();
      expect(splitWithLifeboat(name, data, chunk), `${name} fed in ${chunk}-byte chunks`).toBe(expected);
    }
  }, 300_000);

  it('cuts runs of zeros and keeps the hash across segments as kopia does', async () => {
    // A window of zeros hashes to 0: zeros cut at every minimum.
    const zeros = Buffer.alloc((1 << 20) + 12_345);
    const repeated = Buffer.concat([randomBytes(300_000), zeros, randomBytes(700_000)]);
    for (const data of [zeros, repeated]) {
      for (const name of ['DYNAMIC-128K-BUZHASH', 'DYNAMIC-512K-BUZHASH']) {
        const expected = (await runOracle('split', [name, '100000'], data)).toString();
        expect(splitWithLifeboat(name, data, 100_000)).toBe(expected);
      }
    }
  });

  it('cuts the default (DYNAMIC-4M-BUZHASH) where kopia does on 40 MiB', async () => {
    const data = randomBytes(40 << 20);
    const expected = (await runOracle('split', ['DYNAMIC-4M-BUZHASH', '1048576'], data)).toString();
    expect(splitWithLifeboat('DYNAMIC-4M-BUZHASH', data, 1 << 20)).toBe(expected);
  }, 300_000);
});

describe('object IDs', () => {
  it('parses and prints what kopia parses and prints, and refuses what it refuses', async () => {
    const ids = [
      'ab',
      'ABCD',
      'k0123456789abcdef0123456789abcdef',
      'Ix0123456789abcdef0123456789abcdef',
      'IIx0123456789abcdef0123456789abcdef',
      'Zk0123456789abcdef0123456789abcdef',
      'D0123456789abcdef0123456789abcdef',
      'ID0123456789abcdef',
      'ZD0123456789abcdef',
      'IZk0123',
      'a0123',
      'kzz',
      'k',
      'x' + 'ab'.repeat(32),
      'x' + 'ab'.repeat(33),
      '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      'k01 2',
      'f0123',
    ];
    const kopia = (await runOracle('object-id', [], ids.join('\n') + '\n')).toString().split('\n');
    ids.forEach((id, i) => {
      let ours: string;
      try {
        ours = formatObjectId(parseObjectId(id, 'test'));
      } catch (err) {
        expect((err as LifeboatError).code).toBe('CORRUPT');
        ours = 'ERR';
      }
      expect(ours, id).toBe(kopia[i]);
    });
  });
});

describe('indirect objects', () => {
  it('encodes byte for byte as kopia and reads kopia’s encoding back', async () => {
    const entries = indirectEntries([
      { length: 2_500_000, object: parseObjectId('0123456789abcdef0123456789abcdef', 't') },
      { length: 8_388_608, object: parseObjectId('fedcba9876543210fedcba9876543210', 't') },
      { length: 1, object: parseObjectId('Zx00112233445566778899aabbccddeeff', 't') },
    ]);
    const input = JSON.stringify(
      entries.map((e) => ({ s: e.start, l: e.length, o: formatObjectId(e.object) })),
    );
    const kopia = await runOracle('indirect-encode', [], input);
    expect(encodeIndirect(entries).toString()).toBe(kopia.toString());
    expect(decodeIndirect(kopia, 'test')).toEqual(entries);
  });
});

describe('directory manifests', () => {
  const obj = (hex: string) => parseObjectId(hex, 'test');
  const failures = Array.from({ length: 12 }, (_, i) => ({
    path: `sub/broken-${(i * 7) % 12}`,
    error: `permission denied <${i}>`,
  }));
  const entries: DirEntry[] = [
    {
      name: 'zeta.txt',
      type: 'f',
      mode: 0o644,
      size: 12,
      mtime: 1_700_000_000_123_456_789n,
      uid: 1000,
      gid: 1000,
      obj: obj('0123456789abcdef0123456789abcdef'),
    },
    {
      name: 'empty',
      type: 'f',
      mode: 0o600,
      size: 0,
      mtime: 1_600_000_000_000_000_000n,
      uid: 0,
      gid: 0,
      obj: obj('00000000000000000000000000000000'),
    },
    {
      name: 'a<b>&c "quoted" \\ \u2028 \u0007\b\f\t\n',
      type: 'f',
      mode: 0o4755,
      size: 5,
      mtime: 1_700_000_000_100_000_000n,
      uid: 4_294_967_295,
      gid: 7,
      obj: obj('Ix0123456789abcdef0123456789abcdef'),
    },
    {
      name: 'zürich-日本-😀',
      type: 's',
      mode: 0o777,
      size: 9,
      mtime: -1_000_000_001n,
      uid: 1,
      gid: 2,
      obj: obj('fedcba9876543210fedcba9876543210'),
    },
    {
      name: '\uffff-bmp-last',
      type: 'f',
      mode: 0o3777,
      size: 1,
      mtime: 1n,
      uid: 0,
      gid: 0,
      obj: obj('Zabcdefabcdefabcdefabcdefabcdefabcd'.slice(0, 33)),
    },
    {
      name: 'sub',
      type: 'd',
      mode: 0o2755,
      size: 0,
      mtime: 1_650_000_000_000_000_000n,
      uid: 0,
      gid: 0,
      obj: obj('k11111111111111111111111111111111'),
      summ: {
        size: 1 << 30,
        files: 3,
        symlinks: 1,
        dirs: 2,
        maxTime: 1_800_000_000_000_000_001n,
        numFailed: 2,
        numIgnoredErrors: 10,
        errors: failures,
      },
    },
    {
      name: 'Alpha',
      type: 'd',
      mode: 0o755,
      size: 0,
      mtime: 0n,
      uid: 0,
      gid: 0,
      obj: obj('k22222222222222222222222222222222'),
      summ: { size: 0, files: 0, symlinks: 0, dirs: 1, maxTime: 5n, numFailed: 0 },
    },
  ];

  async function kopiaBuild(list: DirEntry[], dirModTime: bigint, incomplete = ''): Promise<Buffer> {
    const input = `{"dirModTime":${goTime(dirModTime)},"incomplete":${JSON.stringify(incomplete)},"entries":[${list.map(encodeDirEntry).join(',')}]}`;
    return runOracle('dir-build', [], input);
  }

  function ourBuild(list: DirEntry[], dirModTime: bigint, incomplete = ''): DirManifest {
    const builder = new DirManifestBuilder();
    for (const e of list) builder.addEntry(e);
    builder.addFailedEntry('zz-unreadable', false, 'EIO');
    builder.addFailedEntry('aa-vanished', true, 'ENOENT');
    return builder.build(dirModTime, incomplete);
  }

  it('builds and encodes byte for byte as kopia’s DirManifestBuilder and dir writer', async () => {
    for (const [list, incomplete] of [
      [entries, ''],
      [[...entries].reverse(), 'canceled'],
    ] as const) {
      const ours = encodeDirManifest(ourBuild([...list], 1_234_567_890_000_000_000n, incomplete));
      // kopia's builder has no failures here: feed ours through its round trip instead.
      const kopia = await runOracle('dir-roundtrip', [], ours);
      expect(ours.toString()).toBe(kopia.toString());
    }
    const built = new DirManifestBuilder();
    for (const e of entries) built.addEntry(e);
    const ours = encodeDirManifest(built.build(1_234_567_890_000_000_000n, 'x'));
    expect(ours.toString()).toBe((await kopiaBuild(entries, 1_234_567_890_000_000_000n, 'x')).toString());
  });

  it('encodes an empty directory as kopia does (entries null, maxTime the directory’s)', async () => {
    const ours = encodeDirManifest(new DirManifestBuilder().build(1_700_000_000_000_000_042n));
    expect(ours.toString()).toBe((await kopiaBuild([], 1_700_000_000_000_000_042n)).toString());
  });

  it('reads kopia’s encoding back to the same entries', async () => {
    const kopia = await kopiaBuild(entries, 42n);
    const decoded = decodeDirManifest(kopia, 'test');
    expect(encodeDirManifest(decoded).toString()).toBe(kopia.toString());
    expect(new Set(decoded.entries.map((e) => e.name))).toEqual(new Set(entries.map((e) => e.name)));
  });
});

describe('snapshot manifests', () => {
  const root: DirEntry = {
    name: 'volume',
    type: 'd',
    mode: 0o755,
    size: 0,
    mtime: 1_700_000_000_000_000_123n,
    uid: 0,
    gid: 0,
    obj: parseObjectId('k0123456789abcdef0123456789abcdef', 't'),
    summ: { size: 42, files: 2, symlinks: 1, dirs: 3, maxTime: 1_700_000_000_500_000_000n, numFailed: 0 },
  };
  const stats = {
    totalSize: 42,
    excludedTotalSize: 0,
    fileCount: 2,
    cachedFiles: 1,
    nonCachedFiles: 1,
    dirCount: 3,
    excludedFileCount: 0,
    excludedDirCount: 0,
    ignoredErrorCount: 0,
    errorCount: 0,
  };
  const velero: SnapshotManifest = {
    id: '',
    source: veleroSnapshotSource('pod-volume-backup-restore', 'shop/db-0/data'),
    ...veleroSnapshotFields('pod-volume-backup-restore'),
    startTime: 1_765_000_000_123_456_789n,
    endTime: 1_765_000_001_000_000_000n,
    stats,
    rootEntry: root,
  };
  const full: SnapshotManifest = {
    ...velero,
    description: 'with <html> & "quotes"',
    incomplete: 'canceled',
    tags: { 'tag:b': 'x', 'tag:a': 'y&z' },
    storageStats: {
      newData: {
        objectBytes: 1,
        originalContentBytes: 2,
        packedContentBytes: 3,
        fileObjects: 4,
        dirObjects: 5,
        contents: 6,
      },
      runningTotal: {
        objectBytes: 7,
        originalContentBytes: 8,
        packedContentBytes: 9,
        fileObjects: 10,
        dirObjects: 11,
        contents: 12,
      },
    },
    pins: ['a', 'b'],
  };

  it('encodes byte for byte as kopia stores it, and reads kopia’s encoding back', async () => {
    for (const m of [velero, full, { ...velero, rootEntry: null, pins: [], tags: {} }]) {
      const ours = encodeSnapshotManifest(m);
      const kopia = (await runOracle('snapshot-manifest', [], ours)).toString();
      expect(ours).toBe(kopia);
      const entry = snapshotManifestEntry(m, 'ab'.repeat(16), 1n);
      const back = decodeSnapshotManifest({ ...entry, data: JSON.parse(kopia) as unknown });
      expect(encodeSnapshotManifest(back)).toBe(kopia);
    }
    expect(velero.source).toEqual({
      host: 'default',
      userName: 'default',
      path: 'pod-volume-backup-restore/kopia/shop/db-0/data',
    });
  });
});
