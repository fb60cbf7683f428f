import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { BackupStore, type BackupUpload } from './backup-store.ts';
import { alreadyExists, type PutOptions } from './object-store.ts';
import { gzipJsonLine, readGzipJson } from './gzip-json.ts';
import { MemoryObjectStore } from './providers/memory/memory-store.ts';

const backupJson = (name: string) =>
  JSON.stringify(
    { kind: 'Backup', apiVersion: 'velero.io/v1', metadata: { name }, spec: {}, status: {} },
    null,
    2,
  );

function setup() {
  const puts: string[] = [];
  const deletes: string[] = [];
  const memory = new MemoryObjectStore({
    fault: (op, key) => {
      if (op === 'put') puts.push(key);
      if (op === 'delete') deletes.push(key);
      return undefined;
    },
  });
  return { memory, backups: new BackupStore(memory, '/pre/'), puts, deletes };
}

describe('BackupStore write order', () => {
  it('writes contents first, then checksums, then velero-backup.json last', async () => {
    const { memory, backups, puts } = setup();
    const upload = await backups.beginBackup('b1');
    const digest = await upload.putFile(
      'b1.tar.gz',
      Readable.from([Buffer.from('tar'), Buffer.from('ball')]),
    );
    expect(digest).toEqual({ sha256: createHash('sha256').update('tarball').digest('hex'), size: 7 });
    await upload.putFile('b1-logs.gz', Buffer.from('logs'));
    expect(await backups.listBackupNames()).toEqual([]);
    await upload.commit(backupJson('b1'));
    expect(puts).toEqual([
      'pre/backups/b1/b1-claim.json',
      'pre/backups/b1/b1.tar.gz',
      'pre/backups/b1/b1-logs.gz',
      'pre/backups/b1/b1-checksums.json.gz',
      'pre/backups/b1/velero-backup.json',
    ]);
    expect(await backups.listBackupNames()).toEqual(['b1']);
    expect((await backups.getBackup('b1')).metadata.name).toBe('b1');
    const manifest = JSON.parse(
      gunzipSync(
        Buffer.concat(await chunks(await memory.get('pre/backups/b1/b1-checksums.json.gz'))),
      ).toString(),
    ) as { algorithm: string; files: Record<string, { sha256: string; size: number }> };
    expect(manifest.algorithm).toBe('sha256');
    expect(Object.keys(manifest.files)).toEqual(['b1-claim.json', 'b1-logs.gz', 'b1.tar.gz']);
    expect(manifest.files['b1.tar.gz']).toEqual(digest);
    expect(manifest.files['b1-logs.gz']?.size).toBe(4);
  });

  it('a body stream failing midway leaves nothing listed, and abort removes what was written', async () => {
    const { memory, backups } = setup();
    const upload = await backups.beginBackup('b2');
    await upload.putFile('b2-logs.gz', 'some logs');
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent++ < 3) this.push(Buffer.alloc(1024, 1));
        else this.destroy(new Error('cluster went away'));
      },
    });
    const err = (await upload.putFile('b2.tar.gz', failing).catch((e: unknown) => e)) as LifeboatError;
    expect(err).toBeInstanceOf(LifeboatError);
    expect(err.message).toMatch(/cluster went away/);
    expect(await backups.listBackupNames()).toEqual([]);
    const report = await upload.abort();
    expect(report.failed).toEqual([]);
    expect(memory.keys()).toEqual([]);
    await expect(upload.putFile('x', 'y')).rejects.toThrow(/after it was aborted/);
  });

  it('a store failing midway rejects without hanging and names the store error', async () => {
    const memory = new MemoryObjectStore({
      fault: (op, key) =>
        op === 'put' && key.endsWith('.tar.gz')
          ? new LifeboatError('FORBIDDEN', 'no write access', { details: { transient: false } })
          : undefined,
    });
    const upload = await new BackupStore(memory, '').beginBackup('b3');
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024));
      },
    });
    await expect(upload.putFile('b3.tar.gz', endless)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses to reuse a name while anything is under its folder', async () => {
    const { memory, backups } = setup();
    await memory.put('pre/backups/half/half.tar.gz', 'partial');
    const err = (await backups.beginBackup('half').catch((e: unknown) => e)) as LifeboatError;
    expect(err.code).toBe('ALREADY_EXISTS');
    expect(err.hint).toBeDefined();
    expect(await backups.listBackupNames()).toEqual([]);
  });

  it('refuses reserved file names and bad backup names', async () => {
    const { backups } = setup();
    const upload = await backups.beginBackup('b4');
    await expect(upload.putFile('velero-backup.json', '{}')).rejects.toThrow(
      /cannot be written with putFile/,
    );
    await expect(upload.putFile('b4-checksums.json.gz', '{}')).rejects.toThrow(
      /cannot be written with putFile/,
    );
    await expect(upload.putFile('b4-claim.json', '{}')).rejects.toThrow(/cannot be written with putFile/);
    await expect(upload.putFile('a/b', '{}')).rejects.toThrow();
    await expect(backups.beginBackup('../escape')).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('BackupStore name claims (two writers of one name)', () => {
  it('of two writers that both passed the exists check, the second fails before writing anything', async () => {
    const { memory, backups } = setup();
    // Both clusters check "exists?" before either claims: the check alone cannot tell them apart.
    expect(await backups.backupExists('daily-20250101000000')).toBe(false);
    const winner = await backups.beginBackup('daily-20250101000000', { cluster: 'uid-a' });
    await winner.putFile('daily-20250101000000.tar.gz', 'cluster A contents');
    const err = (await backups
      .beginBackup('daily-20250101000000', { cluster: 'uid-b' })
      .catch((e: unknown) => e)) as LifeboatError;
    expect(err).toMatchObject({ code: 'ALREADY_EXISTS', details: { backup: 'daily-20250101000000' } });
    expect(err.message).toMatch(
      /daily-20250101000000 already exists .*another cluster \(kube-system UID uid-a\)/,
    );
    await winner.commit(backupJson('daily-20250101000000'));
    expect(
      Buffer.concat(
        await chunks(await memory.get('pre/backups/daily-20250101000000/daily-20250101000000.tar.gz')),
      ).toString(),
    ).toBe('cluster A contents');
    expect((await backups.readClaim('daily-20250101000000'))?.cluster).toBe('uid-a');
  });

  it('claims race atomically: of concurrent writers of one name exactly one gets an upload', async () => {
    const { backups } = setup();
    const settled = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((c) => backups.beginBackup('race', { cluster: `uid-${c}` })),
    );
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of settled)
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('on a store whose create-only check is not atomic, the writer whose claim was replaced loses', async () => {
    // Like versitygw 1.7: If-None-Match is checked before the write, so both creators succeed.
    class CheckThenWrite extends MemoryObjectStore {
      override async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}) {
        const { ifNoneMatch, ...rest } = options;
        if (ifNoneMatch === '*' && (await this.head(key)) !== undefined) throw alreadyExists(key, 'x');
        await new Promise((r) => setTimeout(r, 20)); // the window between check and write
        return super.put(key, body, rest);
      }
    }
    const memory = new CheckThenWrite({ atomicCreate: false });
    const backups = new BackupStore(memory, '');
    const settled = await Promise.allSettled([
      backups.beginBackup('racy', { cluster: 'uid-a' }),
      backups.beginBackup('racy', { cluster: 'uid-b' }),
    ]);
    const won = settled.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = settled.find((r) => r.status === 'rejected');
    expect(lost?.reason).toMatchObject({ code: 'ALREADY_EXISTS' });
    // The loser leaves the claim alone: it is the winner's.
    const holder = (await backups.readClaim('racy'))?.cluster;
    const upload = (won[0] as PromiseFulfilledResult<BackupUpload>).value;
    await upload.putFile('racy.tar.gz', 'x');
    await upload.commit(backupJson('racy'));
    expect(memory.keys()).toContain('backups/racy/racy-claim.json');
    expect(['uid-a', 'uid-b']).toContain(holder);
  });

  it('a replacement landing after the first read-back still leaves exactly one writer the name', async () => {
    // The second creator passes the check at once but its bytes land 450 ms later, after the first
    // creator's first read-back: that read alone would tell each writer the other had won.
    let creates = 0;
    class SlowSecondWrite extends MemoryObjectStore {
      override async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}) {
        const { ifNoneMatch, ...rest } = options;
        if (ifNoneMatch === '*') {
          if ((await this.head(key)) !== undefined) throw alreadyExists(key, 'x');
          if (creates++ === 1) await new Promise((r) => setTimeout(r, 450));
        }
        return super.put(key, body, rest);
      }
    }
    const memory = new SlowSecondWrite({ atomicCreate: false });
    const backups = new BackupStore(memory, '');
    const settled = await Promise.allSettled([
      backups.beginBackup('slow', { cluster: 'uid-a' }),
      backups.beginBackup('slow', { cluster: 'uid-b' }),
    ]);
    const won = settled.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(settled.find((r) => r.status === 'rejected')?.reason).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect((await backups.readClaim('slow'))?.cluster).toBe('uid-b');
  });

  it('a read-back that fails now and then (a busy server) does not cost the only writer its name', async () => {
    // Every other read of the claim fails: counted as "no claim", no two reads in a row agreed.
    let reads = 0;
    class BusyReads extends MemoryObjectStore {
      override async get(key: string): Promise<Readable> {
        if (key.endsWith('-claim.json') && reads++ % 2 === 0) throw new Error('503 SlowDown');
        return super.get(key);
      }
    }
    const backups = new BackupStore(new BusyReads({ atomicCreate: false }), '');
    const upload = await backups.beginBackup('busy', { cluster: 'uid-a' });
    expect(reads).toBeGreaterThan(2);
    await upload.abort();
  });

  it('a retried create whose first attempt landed finds its own claim and keeps the name', async () => {
    // An S3 client retries a PUT whose reply was lost; the retry's If-None-Match then fails on the
    // claim the first attempt wrote.
    class LostReply extends MemoryObjectStore {
      override async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}) {
        const { ifNoneMatch, ...rest } = options;
        await super.put(key, body, rest);
        if (ifNoneMatch === '*') throw alreadyExists(key, 'x');
      }
    }
    for (const atomicCreate of [true, false]) {
      const backups = new BackupStore(new LostReply({ atomicCreate }), '');
      const upload = await backups.beginBackup('retried', { cluster: 'uid-a' });
      expect((await backups.readClaim('retried'))?.cluster).toBe('uid-a');
      await upload.abort();
    }
  });

  it("a write that finds a key taken fails, and abort deletes only the upload's own objects", async () => {
    const { memory, backups } = setup();
    const upload = await backups.beginBackup('mixed', { cluster: 'uid-b' });
    await upload.putFile('mixed-logs.gz', 'mine');
    // Another writer (e.g. Velero, which takes no claim) commits the same name meanwhile.
    await memory.put('pre/backups/mixed/velero-backup.json', backupJson('mixed'));
    await memory.put('pre/backups/mixed/mixed.tar.gz', 'theirs');
    await expect(upload.putFile('mixed.tar.gz', 'mine too')).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    const report = await upload.abort();
    expect(report.deleted).toEqual(['pre/backups/mixed/mixed-logs.gz', 'pre/backups/mixed/mixed-claim.json']);
    expect(memory.keys()).toEqual(['pre/backups/mixed/mixed.tar.gz', 'pre/backups/mixed/velero-backup.json']);
  });

  it('velero-backup.json is committed create-only: a record written meanwhile is never replaced', async () => {
    const { memory, backups } = setup();
    const upload = await backups.beginBackup('late');
    await upload.putFile('late.tar.gz', 'x');
    await memory.put('pre/backups/late/velero-backup.json', 'the other record');
    await expect(upload.commit(backupJson('late'))).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await upload.abort();
    expect(memory.keys()).toEqual(['pre/backups/late/velero-backup.json']);
    expect(
      Buffer.concat(await chunks(await memory.get('pre/backups/late/velero-backup.json'))).toString(),
    ).toBe('the other record');
  });
});

describe('BackupStore reading and deleting', () => {
  it('reports a corrupt velero-backup.json as CORRUPT naming the key, a missing one as NOT_FOUND', async () => {
    const { memory, backups } = setup();
    await memory.put('pre/backups/bad/velero-backup.json', '{not json');
    await memory.put(
      'pre/backups/wrong/velero-backup.json',
      '{"kind":"Restore","apiVersion":"velero.io/v1"}',
    );
    await expect(backups.getBackup('bad')).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringContaining('pre/backups/bad/velero-backup.json') as unknown,
    });
    await expect(backups.getBackup('wrong')).rejects.toMatchObject({ code: 'CORRUPT' });
    await expect(backups.getBackup('absent')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists objects and deletes a backup with velero-backup.json first', async () => {
    const { memory, backups, deletes } = setup();
    const upload = await backups.beginBackup('b5');
    await upload.putFile('b5.tar.gz', 'x');
    await upload.commit(backupJson('b5'));
    expect((await backups.listBackupObjects('b5')).map((o) => o.fileName)).toEqual([
      'b5-checksums.json.gz',
      'b5-claim.json',
      'b5.tar.gz',
      'velero-backup.json',
    ]);
    expect(Buffer.concat(await chunks(await backups.getBackupObject('b5', 'b5.tar.gz'))).toString()).toBe(
      'x',
    );
    await backups.deleteBackup('b5');
    expect(deletes[0]).toBe('pre/backups/b5/velero-backup.json');
    expect(memory.keys()).toEqual([]);
    expect(await backups.backupExists('b5')).toBe(false);
  });

  it('validates top-level directories like Velero', async () => {
    const { memory, backups } = setup();
    await memory.put('pre/backups/b/velero-backup.json', '{}');
    await memory.put('pre/kopia/ns/x', '{}');
    await memory.put('pre/loose-object', 'ok');
    expect(await backups.validate()).toEqual({ valid: true, invalidPrefixes: [] });
    await memory.put('pre/junk/x', '{}');
    expect(await backups.validate()).toEqual({ valid: false, invalidPrefixes: ['junk'] });
  });

  it('writes and reads restore files', async () => {
    const { backups } = setup();
    await backups.putRestoreFile('r1', 'results', gzipJsonLine({ errors: {}, warnings: {} }));
    expect(await backups.listRestoreNames()).toEqual(['r1']);
    const results = await backups.getRestoreResults('r1');
    expect(results).toEqual({ errors: {}, warnings: {} });
    expect(await backups.getRestoreResourceList('r1')).toBeUndefined();
    await backups.putRestoreRecord('r1', { name: 'r1' });
    const record = Buffer.concat(await chunks(await backups.getRestoreRecord('r1'))).toString();
    expect(record).toBe('{\n  "name": "r1"\n}\n');
    expect((await backups.deleteRestore('r1')).sort()).toEqual([
      'pre/restores/r1/restore-r1-results.gz',
      'pre/restores/r1/restore-r1.json',
    ]);
  });
});

describe('gzip JSON', () => {
  it('writes compact JSON with one trailing newline and reads it back', async () => {
    const gz = gzipJsonLine({ a: [1, 2] });
    expect(gunzipSync(gz).toString()).toBe('{"a":[1,2]}\n');
    expect(await readGzipJson(Readable.from([gz]))).toEqual({ a: [1, 2] });
  });

  it('reports broken gzip or JSON as CORRUPT', async () => {
    await expect(readGzipJson(Readable.from([Buffer.from('nope')]), 'k1')).rejects.toMatchObject({
      code: 'CORRUPT',
    });
    const { gzipSync } = await import('node:zlib');
    await expect(readGzipJson(Readable.from([gzipSync('{')]), 'k2')).rejects.toThrow(/k2 is not valid JSON/);
  });
});

async function chunks(stream: Readable): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(chunk as Buffer);
  return out;
}
