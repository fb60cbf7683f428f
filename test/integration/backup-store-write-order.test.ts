import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, inject, it } from 'vitest';
import { Secret } from '../../src/errors/index.ts';
import { writeFailedRecord } from '../../src/app/sync/sync-recovery.ts';
import { BackupStore } from '../../src/store/backup-store.ts';
import type { ObjectStore } from '../../src/store/object-store.ts';
import { AzureObjectStore } from '../../src/store/providers/azure/azure-store.ts';
import { S3ObjectStore } from '../../src/store/providers/s3/s3-store.ts';

const env = inject('harness');
const MiB = 1024 * 1024;

async function s3Store(): Promise<ObjectStore> {
  const s3 = env.s3!;
  const bucket = `lifeboat-wo-${randomBytes(4).toString('hex')}`;
  const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  const admin = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  admin.destroy();
  return new S3ObjectStore({
    bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: new Secret(s3.secretAccessKey) },
  });
}

async function azureStore(): Promise<ObjectStore> {
  const container = `lifeboat-wo-${randomBytes(4).toString('hex')}`;
  await BlobServiceClient.fromConnectionString(env.azure!.connectionString)
    .getContainerClient(container)
    .create();
  return new AzureObjectStore({ container, connectionString: new Secret(env.azure!.connectionString) });
}

/** A body that sends `bytes` and then fails, like a cluster connection dropping mid-backup. */
function failingAfter(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) {
        this.destroy(new Error('source stream broke'));
        return;
      }
      sent += MiB;
      this.push(randomBytes(MiB));
    },
  });
}

const backupJson = (name: string) =>
  JSON.stringify({ kind: 'Backup', apiVersion: 'velero.io/v1', metadata: { name } }, null, 2);

describe.each([
  ['s3 (versitygw)', s3Store],
  ['azure (Azurite)', azureStore],
])('BackupStore write order on %s', (_name, make) => {
  it('writes velero-backup.json last and lists the backup only then', async () => {
    const store = await make();
    const backups = new BackupStore(store, 'team');
    const upload = await backups.beginBackup('nightly');
    await upload.putFile('nightly.tar.gz', Readable.from([randomBytes(12 * MiB)]));
    await upload.putFile('nightly-logs.gz', 'log');
    expect(await backups.listBackupNames()).toEqual([]);
    expect(await backups.backupExists('nightly')).toBe(true);
    await upload.commit(backupJson('nightly'));
    expect(await backups.listBackupNames()).toEqual(['nightly']);
    const objects = await backups.listBackupObjects('nightly');
    const metadata = objects.find((o) => o.fileName === 'velero-backup.json');
    const others = objects.filter((o) => o.fileName !== 'velero-backup.json');
    expect(others.map((o) => o.fileName).sort()).toEqual([
      'nightly-checksums.json.gz',
      'nightly-claim.json',
      'nightly-logs.gz',
      'nightly.tar.gz',
    ]);
    for (const o of others)
      expect(o.lastModified!.getTime()).toBeLessThanOrEqual(metadata!.lastModified!.getTime());
    expect(await backups.validate()).toEqual({ valid: true, invalidPrefixes: [] });
    await backups.deleteBackup('nightly');
    expect(await backups.listBackupObjects('nightly')).toEqual([]);
    await store.close();
  });

  it('a body failing midway leaves nothing listed and abort() removes what was written', async () => {
    const store = await make();
    const backups = new BackupStore(store, '');
    const upload = await backups.beginBackup('broken');
    await upload.putFile('broken-logs.gz', 'partial logs');
    await expect(upload.putFile('broken.tar.gz', failingAfter(12 * MiB))).rejects.toThrow(
      /source stream broke/,
    );
    expect(await backups.listBackupNames()).toEqual([]);
    expect(await store.head('backups/broken/broken.tar.gz')).toBeUndefined();
    const report = await upload.abort();
    expect(report.failed).toEqual([]);
    expect(await backups.backupExists('broken')).toBe(false);
    await store.close();
  });

  it('two writers of one name: the second fails before writing, the first commits untouched', async () => {
    const store = await make();
    const backups = new BackupStore(store, 'shared');
    const [a, b] = await Promise.allSettled([
      backups.beginBackup('daily', { cluster: 'uid-a' }),
      backups.beginBackup('daily', { cluster: 'uid-b' }),
    ]);
    const won = [a, b].filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect([a, b].find((r) => r.status === 'rejected')?.reason).toMatchObject({ code: 'ALREADY_EXISTS' });
    const upload = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<BackupStore['beginBackup']>>>).value;
    await upload.putFile('daily.tar.gz', Readable.from([randomBytes(6 * MiB)]));
    await upload.commit(backupJson('daily'));
    const holder = (await backups.readClaim('daily'))?.cluster;
    expect(holder).toBe(a.status === 'fulfilled' ? 'uid-a' : 'uid-b');
    expect((await backups.listBackupObjects('daily')).map((o) => o.fileName).sort()).toEqual([
      'daily-checksums.json.gz',
      'daily-claim.json',
      'daily.tar.gz',
      'velero-backup.json',
    ]);
    await store.close();
  });

  it("crash recovery's Failed marker never replaces a record committed meanwhile", async () => {
    const store = await make();
    const backups = new BackupStore(store, '');
    const upload = await backups.beginBackup('late', { cluster: 'uid-a' });
    await upload.putFile('late.tar.gz', 'contents');
    await upload.commit(backupJson('late')); // the writer commits just after recovery listed the folder
    const err = await writeFailedRecord(backups, {
      name: 'late',
      location: 'l',
      started: new Date(),
      reason: 'interrupted (found by crash recovery)',
      cluster: 'uid-a',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect((await backups.getBackup('late')).status.phase).toBeUndefined();
    await store.close();
  });
});
