import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../helpers/kube.ts';

const env = inject('harness');

describe('versitygw speaks S3 to @aws-sdk/client-s3', () => {
  it('writes, lists, reads and deletes objects (path-style, custom endpoint)', async () => {
    const s3env = env.s3!;
    const s3 = new S3Client({
      endpoint: s3env.endpoint,
      region: s3env.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3env.accessKeyId, secretAccessKey: s3env.secretAccessKey },
    });
    const bucket = uniqueName('harness');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'backups/a/velero-backup.json',
        Body: '{"kind":"Backup"}',
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'backups/b/velero-backup.json', Body: '{}' }));

    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'backups/', Delimiter: '/' }),
    );
    expect(listed.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['backups/a/', 'backups/b/']);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'backups/a/velero-backup.json' }));
    expect(await got.Body?.transformToString()).toBe('{"kind":"Backup"}');

    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'backups/a/velero-backup.json' }));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'backups/' }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(['backups/b/velero-backup.json']);
    s3.destroy();
  });

  it('rejects wrong credentials', async () => {
    const s3 = new S3Client({
      endpoint: env.s3!.endpoint,
      region: env.s3!.region,
      forcePathStyle: true,
      credentials: { accessKeyId: env.s3!.accessKeyId, secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    await expect(s3.send(new CreateBucketCommand({ Bucket: uniqueName('denied') }))).rejects.toThrow();
    s3.destroy();
  });
});

describe('Azurite speaks Azure Blob to @azure/storage-blob', () => {
  it('writes, lists, reads and deletes blobs', async () => {
    const service = BlobServiceClient.fromConnectionString(env.azure!.connectionString);
    const container = service.getContainerClient(uniqueName('harness'));
    await container.create();
    const blob = container.getBlockBlobClient('backups/a/velero-backup.json');
    await blob.upload('{"kind":"Backup"}', 17);
    await container.getBlockBlobClient('backups/b/velero-backup.json').upload('{}', 2);

    const prefixes: string[] = [];
    for await (const item of container.listBlobsByHierarchy('/', { prefix: 'backups/' })) {
      if (item.kind === 'prefix') prefixes.push(item.name);
    }
    expect(prefixes).toEqual(['backups/a/', 'backups/b/']);
    expect((await blob.downloadToBuffer()).toString()).toBe('{"kind":"Backup"}');

    await blob.delete();
    const names: string[] = [];
    for await (const item of container.listBlobsFlat({ prefix: 'backups/' })) names.push(item.name);
    expect(names).toEqual(['backups/b/velero-backup.json']);
  });
});
