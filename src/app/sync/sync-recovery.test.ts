import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createLogger } from '../../log/index.ts';
import type { Location } from '../../model/index.ts';
import { BackupStore, MemoryObjectStore } from '../../store/index.ts';
import { recoverOrphans, writeFailedRecord } from './sync-recovery.ts';

const logger = createLogger({ format: 'json', level: 'silent', destination: { write: () => undefined } });
let dir: string;
let root: string;
let configPath: string;
const location = (): Location => ({
  name: 'fs',
  provider: 'filesystem',
  objectStorage: { bucket: root },
  config: {},
  default: true,
  accessMode: 'ReadWrite',
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-recovery-'));
  root = join(dir, 'bucket');
  configPath = join(dir, 'config.yaml');
  await writeFile(
    configPath,
    stringify({
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'Config',
      locations: [{ name: 'fs', provider: 'filesystem', objectStorage: { bucket: root }, default: true }],
    }),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A backup folder whose writer stopped an hour ago: contents, maybe a claim, no velero-backup.json. */
async function orphan(name: string, claimedBy?: string): Promise<void> {
  const folder = join(root, 'backups', name);
  mkdirSync(folder, { recursive: true });
  const files = [`${name}.tar.gz`];
  await writeFile(join(folder, `${name}.tar.gz`), 'partial');
  if (claimedBy !== undefined) {
    const claim = { backup: name, cluster: claimedBy, claimedAt: '2025-01-01T00:00:00Z', nonce: 'n' };
    await writeFile(join(folder, `${name}-claim.json`), JSON.stringify(claim));
    files.push(`${name}-claim.json`);
  }
  const old = new Date(Date.now() - 3_600_000);
  for (const f of files) await utimes(join(folder, f), old, old);
}

const recover = (options: { cluster?: string; scheduleOf?: (n: string) => undefined }) =>
  recoverOrphans({
    configPath,
    location: location(),
    logger,
    running: new Set(),
    cluster: options.cluster,
    scheduleOf: options.scheduleOf ?? (() => undefined),
  });

const record = async (name: string) =>
  JSON.parse(await readFile(join(root, 'backups', name, 'velero-backup.json'), 'utf8')) as {
    metadata: { labels?: Record<string, string> };
    status: { phase: string };
  };

describe('crash recovery', () => {
  it("marks this cluster's (and unclaimed) orphans Failed, with the claiming cluster's identity", async () => {
    await orphan('mine', 'uid-a');
    await orphan('old-style');
    const reports = await recover({ cluster: 'uid-a' });
    expect(reports.map((r) => [r.name, r.action])).toEqual([
      ['mine', 'marked Failed'],
      ['old-style', 'marked Failed'],
    ]);
    expect((await record('mine')).status.phase).toBe('Failed');
    expect((await record('mine')).metadata.labels?.['lifeboat.io/cluster-uid']).toBe('uid-a');
    expect((await record('old-style')).metadata.labels?.['lifeboat.io/cluster-uid']).toBeUndefined();
  });

  it("leaves a folder another cluster claimed: that cluster's writer may still be at work", async () => {
    await orphan('theirs', 'uid-b');
    const [report] = await recover({ cluster: 'uid-a' });
    expect(report).toMatchObject({ name: 'theirs', action: 'left (another cluster)' });
    await expect(readFile(join(root, 'backups', 'theirs', 'velero-backup.json'))).rejects.toThrow();
  });

  it('marks Failed at once a folder whose writer is known gone, and leaves a recent one of a live writer', async () => {
    for (const [name, writer] of [
      ['killed', 'r1'],
      ['live', 'r2'],
    ] as const) {
      mkdirSync(join(root, 'backups', name), { recursive: true });
      const claim = {
        backup: name,
        cluster: 'uid-a',
        claimedAt: new Date().toISOString(),
        nonce: 'n',
        writer,
      };
      await writeFile(join(root, 'backups', name, `${name}-claim.json`), JSON.stringify(claim));
    }
    const reports = await recoverOrphans({
      configPath,
      location: location(),
      logger,
      running: new Set(),
      cluster: 'uid-a',
      scheduleOf: () => undefined,
      writerGone: (claim) => (claim.writer === 'r1' ? 'replica r1 stopped mid-backup' : undefined),
    });
    expect(reports.map((r) => [r.name, r.action]).sort()).toEqual([
      ['killed', 'marked Failed'],
      ['live', 'left (recent)'],
    ]);
    const failed = (await record('killed')) as { status: { phase: string; failureReason?: string } };
    expect(failed.status).toMatchObject({
      phase: 'Failed',
      failureReason: 'interrupted: replica r1 stopped mid-backup (found by crash recovery)',
    });
  });

  it('never overwrites a record the writer committed after the folder was listed', async () => {
    await orphan('late', 'uid-a');
    const committed =
      '{"kind":"Backup","apiVersion":"velero.io/v1","metadata":{"name":"late"},"status":{"phase":"Completed"}}';
    const reports = await recover({
      cluster: 'uid-a',
      // Runs between the listing and the Failed marker: the writer commits right then.
      scheduleOf: (n) => {
        writeFileSync(join(root, 'backups', n, 'velero-backup.json'), committed);
        return undefined;
      },
    });
    expect(reports[0]).toMatchObject({ name: 'late', action: 'left (committed meanwhile)' });
    expect(await readFile(join(root, 'backups', 'late', 'velero-backup.json'), 'utf8')).toBe(committed);
  });
});

describe('the Failed record of a run that stored nothing', () => {
  const input = {
    name: 'nightly-20250101000000',
    location: 'l',
    started: new Date(),
    reason: 'cluster lost',
  };

  it('takes the name first: a name another cluster holds is never given this record', async () => {
    const memory = new MemoryObjectStore();
    const store = new BackupStore(memory, '');
    await store.claimBackup(input.name, 'uid-b');
    await expect(writeFailedRecord(store, { ...input, cluster: 'uid-a', claim: true })).rejects.toMatchObject(
      {
        code: 'ALREADY_EXISTS',
        message: expect.stringContaining('uid-b') as unknown,
      },
    );
    expect(memory.keys()).toEqual([`backups/${input.name}/${input.name}-claim.json`]);
  });

  it('is written when the name is free, and records the cluster', async () => {
    const store = new BackupStore(new MemoryObjectStore(), '');
    const rec = await writeFailedRecord(store, { ...input, cluster: 'uid-a', claim: true });
    expect(rec).toMatchObject({ phase: 'Failed', cluster: 'uid-a' });
    expect((await store.readClaim(input.name))?.cluster).toBe('uid-a');
  });
});
