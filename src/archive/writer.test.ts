import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { goMarshal } from '../gojson/index.ts';
import { readBackupArchive } from './reader.ts';
import { BackupArchiveWriter } from './writer.ts';

interface RawHeader {
  name: string;
  prefix: string;
  /** Full name after applying USTAR prefix and PAX path records. */
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  uname: string;
  gname: string;
  magic: string;
  pax?: Record<string, string>;
  data: Buffer;
}

const cstr = (b: Buffer, start: number, len: number) => {
  const field = b.subarray(start, start + len);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? len : end).toString('utf8');
};
const octal = (b: Buffer, start: number, len: number) => parseInt(cstr(b, start, len).trim() || '0', 8);

/** Parses a tar stream by hand (512-byte blocks), independently of tar-stream. */
function rawEntries(tar: Buffer): RawHeader[] {
  const out: RawHeader[] = [];
  let pax: Record<string, string> | undefined;
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) {
      // The end: two zero blocks, and nothing but zeros after them.
      expect(tar.length - off, 'end-of-archive blocks').toBeGreaterThanOrEqual(1024);
      expect(
        tar.subarray(off).every((x) => x === 0),
        `zeros after ${off}`,
      ).toBe(true);
      break;
    }
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
    expect(octal(h, 148, 8), `checksum at ${off}`).toBe(sum);
    const size = octal(h, 124, 12);
    const data = tar.subarray(off + 512, off + 512 + size);
    const padding = tar.subarray(off + 512 + size, off + 512 + Math.ceil(size / 512) * 512);
    expect(
      padding.every((x) => x === 0),
      `padding of the entry at ${off}`,
    ).toBe(true);
    off += 512 + Math.ceil(size / 512) * 512;
    const typeflag = String.fromCharCode(h[156] ?? 0);
    if (typeflag === 'x') {
      pax = {};
      for (const rec of data.toString('utf8').split('\n').filter(Boolean)) {
        const kv = rec.slice(rec.indexOf(' ') + 1);
        pax[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
      }
      continue;
    }
    const name = cstr(h, 0, 100);
    const prefix = cstr(h, 345, 155);
    const path = pax?.path ?? (prefix ? `${prefix}/${name}` : name);
    out.push({
      ...{ name, prefix, path, mode: octal(h, 100, 8), uid: octal(h, 108, 8), gid: octal(h, 116, 8), size },
      ...{ mtime: octal(h, 136, 12), typeflag, uname: cstr(h, 265, 32), gname: cstr(h, 297, 32) },
      ...{ magic: h.subarray(257, 265).toString('latin1'), data },
      ...(pax ? { pax } : {}),
    });
    pax = undefined;
  }
  return out;
}

const NOW = new Date('2026-05-01T10:00:00.900Z');
const NOW_SECONDS = Date.parse('2026-05-01T10:00:00Z') / 1000;

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'app' },
  spec: { x: '<&>' },
};
const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'app' } };
const role = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'system:controller:x' },
};
const longNs = 'n'.repeat(63);
const longName = 'l'.repeat(253);
const crdGr = 'verylongresourcenames.some-long-group-name.example.com';

async function buildArchive(): Promise<Buffer> {
  const writer = new BackupArchiveWriter({ now: () => NOW });
  const done = readAll(writer.output);
  await writer.writeVersion();
  await writer.addItem({
    groupResource: 'pods',
    namespace: 'app',
    name: 'web-0',
    version: 'v1',
    preferredVersion: 'v1',
    json: goMarshal(pod),
  });
  await writer.addItem({
    groupResource: 'deployments.apps',
    namespace: 'app',
    name: 'web',
    version: 'v1',
    preferredVersion: 'v1',
    json: goMarshal(deploy),
  });
  const roleItem = {
    groupResource: 'clusterroles.rbac.authorization.k8s.io',
    name: 'system:controller:x',
    preferredVersion: 'v1',
  };
  await writer.addItem({ ...roleItem, version: 'v1', json: Buffer.from(goMarshal(role)) });
  await writer.addItem({ ...roleItem, version: 'v1beta1', json: goMarshal(role) });
  const longItem = {
    groupResource: crdGr,
    namespace: longNs,
    name: longName,
    version: 'v1',
    preferredVersion: 'v1',
  };
  await writer.addItem({ ...longItem, json: '{"kind":"X","apiVersion":"v1","metadata":{"name":"l"}}' });
  const mid = {
    groupResource: crdGr,
    namespace: 'app',
    name: 'm'.repeat(60),
    version: 'v1',
    preferredVersion: 'v1',
  };
  await writer.addItem({ ...mid, json: '{}' });
  await writer.finish();
  expect(writer.entries).toBe(12);
  expect(writer.items).toBe(6);
  return done;
}

const archive = await buildArchive();
const tarBytes = gunzipSync(archive);
const raw = rawEntries(tarBytes);
const work = mkdtempSync(join(tmpdir(), 'lifeboat-writer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const expectedPaths = [
  'metadata/version',
  'resources/pods/namespaces/app/web-0.json',
  'resources/pods/v1-preferredversion/namespaces/app/web-0.json',
  'resources/deployments.apps/namespaces/app/web.json',
  'resources/deployments.apps/v1-preferredversion/namespaces/app/web.json',
  'resources/clusterroles.rbac.authorization.k8s.io/cluster/system:controller:x.json',
  'resources/clusterroles.rbac.authorization.k8s.io/v1-preferredversion/cluster/system:controller:x.json',
  'resources/clusterroles.rbac.authorization.k8s.io/v1beta1/cluster/system:controller:x.json',
  `resources/${crdGr}/namespaces/${longNs}/${longName}.json`,
  `resources/${crdGr}/v1-preferredversion/namespaces/${longNs}/${longName}.json`,
  `resources/${crdGr}/namespaces/app/${'m'.repeat(60)}.json`,
  `resources/${crdGr}/v1-preferredversion/namespaces/app/${'m'.repeat(60)}.json`,
];

describe('BackupArchiveWriter output, parsed by hand', () => {
  it('is one gzip member of a tar that ends with two zero blocks and no 10 KiB record padding', () => {
    expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(tarBytes.length % 512).toBe(0);
    expect(tarBytes.subarray(-1024).every((b) => b === 0)).toBe(true);
    expect(tarBytes.subarray(-1536, -1024).every((b) => b === 0)).toBe(false);
  });

  it('writes exactly the Velero paths in order: version first, classic + preferred twins, non-preferred alone', () => {
    expect(raw.map((e) => e.path)).toEqual(expectedPaths);
  });

  it('writes every entry as a regular file, mode 0755, uid/gid 0, empty uname/gname, mtime in whole seconds', () => {
    for (const e of raw) {
      expect({
        type: e.typeflag,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        uname: e.uname,
        gname: e.gname,
        mtime: e.mtime,
      }).toEqual({
        type: '0',
        mode: 0o755,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        mtime: NOW_SECONDS,
      });
      expect(e.magic).toBe('ustar\u000000');
      expect(e.path.endsWith('/')).toBe(false);
    }
  });

  it('writes metadata/version as the 6 bytes "1.1.0\\n"', () => {
    expect(raw[0]?.data).toEqual(Buffer.from('1.1.0\n'));
  });

  it('stores the goMarshal bytes of each item at each of its paths', () => {
    expect(raw[1]?.data.toString()).toBe(
      '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"app"},"spec":{"x":"\\u003c\\u0026\\u003e"}}',
    );
    expect(raw[2]?.data).toEqual(raw[1]?.data);
    expect(raw[5]?.data.toString()).toBe(goMarshal(role));
    expect(raw[7]?.data).toEqual(raw[5]?.data);
  });

  it('splits names over 100 bytes into USTAR prefix + name when a "/" allows, else uses a PAX path record', () => {
    const mid = raw[10];
    expect(mid?.pax).toBeUndefined();
    expect(mid?.prefix).not.toBe('');
    expect(Buffer.byteLength(mid?.name ?? '')).toBeLessThanOrEqual(100);
    const long = raw[8];
    expect(long?.pax?.path).toBe(expectedPaths[8]);
    expect(Buffer.byteLength(long?.path ?? '')).toBeGreaterThan(253);
  });
});

describe('BackupArchiveWriter output, read by others', () => {
  it('is listed by GNU tar with the same paths, -rwxr-xr-x and 0/0', () => {
    const file = join(work, 'b.tar.gz');
    writeFileSync(file, archive);
    const names = spawnSync('tar', ['-tzf', file], { encoding: 'utf8' });
    expect(names.status, names.stderr).toBe(0);
    expect(names.stdout.trimEnd().split('\n')).toEqual(expectedPaths);
    const verbose = spawnSync('tar', ['--numeric-owner', '-tvzf', file], { encoding: 'utf8' });
    expect(verbose.status, verbose.stderr).toBe(0);
    for (const line of verbose.stdout.trimEnd().split('\n')) expect(line).toMatch(/^-rwxr-xr-x 0\/0 /);
  });

  it('round-trips through readBackupArchive: same paths, bytes and version', async () => {
    const reader = readBackupArchive(Readable.from([archive]));
    const seen: [string, Buffer][] = [];
    for await (const entry of reader) seen.push([entry.path, entry.data]);
    expect(seen.map(([p]) => p)).toEqual(expectedPaths);
    expect(seen.map(([, d]) => d)).toEqual(raw.map((e) => e.data));
    expect(reader.version).toBe('1.1.0');
    expect(reader.skipped.count).toBe(0);
  });
});

describe('BackupArchiveWriter across its 256 KiB blocks', () => {
  it('writes both copies of every item intact, wherever the blocks end (multi-byte text, a 1 MiB item)', async () => {
    const writer = new BackupArchiveWriter();
    const out = readAll(writer.output);
    const items = Array.from({ length: 400 }, (_, i) => ({
      groupResource: 'configmaps',
      namespace: `ns-${i % 7}`,
      name: `cm-${i}`,
      version: 'v1',
      preferredVersion: 'v1',
      json: JSON.stringify({ i, text: `é→${'x'.repeat((i * 7919) % 9000)}` }),
    }));
    items[200]!.json = JSON.stringify({ big: 'y'.repeat(1024 * 1024) });
    await writer.writeVersion();
    for (const item of items) await writer.addItem(item);
    await writer.finish();
    const byPath = new Map(rawEntries(gunzipSync(await out)).map((e) => [e.path, e.data.toString('utf8')]));
    for (const item of items) {
      const classic = `resources/configmaps/namespaces/${item.namespace}/${item.name}.json`;
      const twin = `resources/configmaps/v1-preferredversion/namespaces/${item.namespace}/${item.name}.json`;
      expect(byPath.get(classic), classic).toBe(item.json);
      expect(byPath.get(twin), twin).toBe(item.json);
    }
  });
});

describe('BackupArchiveWriter with bytes that write themselves', () => {
  it('asks them once and writes both copies of the item from them', async () => {
    const writer = new BackupArchiveWriter();
    const out = readAll(writer.output);
    const text = JSON.stringify({ kind: 'ConfigMap', data: { a: 'x'.repeat(5000) } });
    let writes = 0;
    const bytes = {
      size: Buffer.byteLength(text),
      write(target: Buffer, at: number) {
        writes++;
        target.write(text, at, 'utf8');
      },
    };
    await writer.addItem({
      groupResource: 'configmaps',
      namespace: 'a',
      name: 'c',
      version: 'v1',
      preferredVersion: 'v1',
      json: bytes,
    });
    await writer.finish();
    const byPath = new Map(rawEntries(gunzipSync(await out)).map((e) => [e.path, e.data.toString('utf8')]));
    expect(byPath.get('resources/configmaps/namespaces/a/c.json')).toBe(text);
    expect(byPath.get('resources/configmaps/v1-preferredversion/namespaces/a/c.json')).toBe(text);
    expect(writes).toBe(1);
  });
});

describe('BackupArchiveWriter backpressure and lifecycle', () => {
  it('stops accepting items while nobody reads the output, and resumes when read', async () => {
    const writer = new BackupArchiveWriter();
    const chunk = randomBytes(128 * 1024); // incompressible: gzip output fills at the input's pace
    let accepted = 0;
    const stalled = (async () => {
      for (let i = 0; i < 60; i++) {
        await writer.addItem({
          groupResource: 'configmaps',
          namespace: 'a',
          name: `c${i}`,
          version: 'v1',
          preferredVersion: 'v2',
          json: chunk,
        });
        accepted++;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    expect(accepted).toBeLessThan(10); // bounded: a few items in flight, not all 7.5 MiB
    const consumed = readAll(writer.output);
    await stalled;
    await writer.finish();
    expect((await consumed).length).toBeGreaterThan(60 * 128 * 1024);
    expect(writer.compressedBytes).toBe((await consumed).length);
  });

  it('takes small items without a promise until a block is full, and throws at once when it cannot write', async () => {
    const writer = new BackupArchiveWriter();
    const out = readAll(writer.output);
    const item = (i: number) => ({
      groupResource: 'configmaps',
      namespace: 'a',
      name: `c${i}`,
      version: 'v1',
      preferredVersion: 'v1',
      json: JSON.stringify({ i, pad: 'x'.repeat(1000) }),
    });
    const results = Array.from({ length: 300 }, (_, i) => writer.addItem(item(i)));
    // ~3 KiB an item (two entries): the first 256 KiB block fills within the first hundred.
    expect(results.slice(0, 50).every((r) => r === undefined)).toBe(true);
    expect(results.some((r) => r instanceof Promise)).toBe(true);
    for (const r of results) if (r !== undefined) await r;
    expect(() => writer.addItem({ ...item(0), name: '../x' })).toThrow(/not a valid path segment/);
    await writer.finish();
    expect(() => writer.addItem(item(301))).toThrow(/finished/);
    expect(rawEntries(gunzipSync(await out))).toHaveLength(600);
  });

  it('rejects pending and later calls once the output is destroyed, and after finish', async () => {
    const writer = new BackupArchiveWriter();
    const pending = writer.addItem({
      groupResource: 'x',
      name: 'a',
      version: 'v1',
      preferredVersion: 'v1',
      json: randomBytes(1024 * 1024),
    });
    writer.output.destroy();
    await expect(pending).rejects.toThrow();
    await expect(writer.writeVersion()).rejects.toThrow();
    const done = new BackupArchiveWriter();
    const out = readAll(done.output);
    await done.finish();
    await expect(done.writeVersion()).rejects.toThrow(/finished/);
    expect(rawEntries(gunzipSync(await out))).toEqual([]);
  });
});
