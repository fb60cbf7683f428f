import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header, tar } from '../../archive/hostile-tar.fixture.ts';
import { createLogger } from '../../log/index.ts';
import { verifyBackup, type VerifyProgress } from './verify-backup.ts';

let dir: string;
let query: Parameters<typeof verifyBackup>[0];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-verify-limits-'));
  const bucket = join(dir, 'bucket');
  mkdirSync(join(bucket, 'backups', 'b1'), { recursive: true });
  writeFileSync(
    join(dir, 'config.yaml'),
    `apiVersion: lifeboat.io/v1alpha1\nkind: Config\nlocations:\n  - name: local\n    provider: filesystem\n    objectStorage: {bucket: ${bucket}}\n`,
  );
  const record = {
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    metadata: { name: 'b1' },
    spec: {},
    status: {},
  };
  writeFileSync(join(bucket, 'backups', 'b1', 'velero-backup.json'), JSON.stringify(record));
  query = {
    configPath: join(dir, 'config.yaml'),
    location: 'local',
    logger: createLogger({ format: 'json', level: 'silent', destination: { write: () => undefined } }),
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tarball = (archive: Buffer) =>
  writeFileSync(join(dir, 'bucket', 'backups', 'b1', 'b1.tar.gz'), archive);
const pod = (name: string) => ({
  name: `resources/pods/namespaces/app/${name}.json`,
  data: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","namespace":"app"}}`,
});

describe('backup verify under the archive limits', () => {
  it('fails the tarball check on a duplicated item', async () => {
    tarball(gzipSync(tar([pod('a'), pod('a')])));
    const report = await verifyBackup(query, 'b1');
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'tarball')?.detail).toMatch(/more than once/);
  });

  it('names the flag when a cap is passed, and passes once it is raised', async () => {
    const big = Buffer.alloc(4096, 0x20);
    big.write(pod('big').data);
    tarball(gzipSync(Buffer.concat([header(pod('big').name, big.length), big, tar([])])));
    const refused = await verifyBackup(query, 'b1', { maxEntryBytes: 1024 });
    const check = refused.checks.find((c) => c.name === 'tarball');
    expect(check?.ok).toBe(false);
    expect(check?.detail).toMatch(
      /more than the limit of 1024 bytes.*raise the limit with --max-entry-bytes/,
    );
    const raised = await verifyBackup(query, 'b1', { maxEntryBytes: 8192 });
    expect(raised.checks.find((c) => c.name === 'tarball')).toMatchObject({
      ok: true,
      detail: '1 items read',
    });
  });

  it("reports its progress: bytes read of the tarball's size, rising to all of it, and items parsed", async () => {
    const pods = Array.from({ length: 400 }, (_, i) => pod(`p${i}`));
    const archive = gzipSync(tar(pods), { level: 0 });
    tarball(archive);
    const seen: VerifyProgress[] = [];
    const report = await verifyBackup(query, 'b1', undefined, (p) => seen.push(p));
    expect(report.ok).toBe(true);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((p) => p.bytesTotal === archive.length)).toBe(true);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!.bytesRead).toBeGreaterThanOrEqual(seen[i - 1]!.bytesRead);
    expect(seen[0]).toMatchObject({ step: 'tarball', bytesRead: 0, items: 0 });
    expect(seen.some((p) => p.bytesRead > 0 && p.bytesRead < archive.length)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ step: 'resource list', bytesRead: archive.length });
    expect(seen.at(-1)?.items).toBe(400);
  });
});
