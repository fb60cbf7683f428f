import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { eventually } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import { startServer, type ServerProcess } from '../helpers/server.ts';

const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const standby = harness.clusters['standby']!.kubeconfig;
const TOKEN = randomBytes(24).toString('hex');
let locations: LocationsFixture;

/** `lifeboat server` with this file's config and token. */
const serve = (args: string[]) => startServer({ args, env: { ...locations.env, LIFEBOAT_API_TOKEN: TOKEN } });

async function api<T>(
  server: ServerProcess,
  path: string,
  init: RequestInit = {},
  token: string | null = TOKEN,
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`${server.url}${path}`, { ...init, headers });
  return { status: res.status, body: (await res.json()) as T };
}

async function metric(server: ServerProcess, name: string, labels: string): Promise<number | undefined> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function addSchedules(schedules: unknown[]): Promise<void> {
  const config = parse(await readFile(locations.configPath, 'utf8')) as Record<string, unknown>;
  await writeFile(locations.configPath, stringify({ ...config, schedules }));
}

async function storedBackups(location: string): Promise<{ name: string; phase: string }[]> {
  const run = await runCli(
    ['--log-level', 'error', 'backup', 'get', '--storage-location', location, '-o', 'json'],
    { env: locations.env },
  );
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { name: string; phase: string }[];
}

const suffix = randomBytes(3).toString('hex');
const template = { includedNamespaces: ['kube-system'], includeClusterResources: false };

beforeAll(async () => {
  locations = await createLocations(harness);
});
afterAll(async () => {
  await locations.cleanup();
});

describe('lifeboat server', () => {
  it('runs few-second schedules on S3 and Azure, GCs only expired backups, reports metrics and RPO, and guards its API', async () => {
    const s3 = `s3-${suffix}`;
    const az = `az-${suffix}`;
    await addSchedules([
      { name: s3, schedule: '*/2 * * * * *', ttl: '3s', rpo: '30s', storageLocation: 's3', template },
      { name: az, schedule: '*/2 * * * * *', ttl: '1h', storageLocation: 'azure', template },
    ]);
    const server = await serve([
      '--kubeconfig',
      source,
      '--sync-period',
      '1s',
      '--gc-period',
      '2s',
      '--enable-restore',
      '--restore-kubeconfig',
      standby,
    ]);
    try {
      // Backups pile up on both providers; on S3 they expire after 3 s and GC removes them.
      await eventually(
        's3 backups were garbage-collected',
        async () =>
          ((await metric(server, 'lifeboat_backup_total', `schedule="${s3}",status="Completed"`)) ?? 0) >=
            4 &&
          ((await metric(server, 'lifeboat_backup_total', `schedule="${az}",status="Completed"`)) ?? 0) >= 3
            ? true
            : undefined,
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      await new Promise((r) => setTimeout(r, 3000));
      const onS3 = (await storedBackups('s3')).filter((b) => b.name.startsWith(`${s3}-`));
      const onAzure = (await storedBackups('azure')).filter((b) => b.name.startsWith(`${az}-`));
      const azureRuns =
        (await metric(server, 'lifeboat_backup_total', `schedule="${az}",status="Completed"`)) ?? 0;
      const s3Runs =
        (await metric(server, 'lifeboat_backup_total', `schedule="${s3}",status="Completed"`)) ?? 0;
      expect(onAzure.length).toBeGreaterThanOrEqual(Math.min(azureRuns, 3));
      expect(onAzure.every((b) => b.phase === 'Completed')).toBe(true);
      expect(onS3.length).toBeGreaterThanOrEqual(1); // the newest Completed one always stays
      expect(onS3.length).toBeLessThan(s3Runs);

      expect(await metric(server, 'lifeboat_rpo_breached', `schedule="${s3}"`)).toBe(0);
      expect(await metric(server, 'lifeboat_rpo_seconds', `schedule="${s3}"`)).toBeLessThan(30);
      expect(
        await metric(server, 'lifeboat_backup_last_successful_timestamp_seconds', `schedule="${az}"`),
      ).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(await metric(server, 'lifeboat_backup_items', `schedule="${az}"`)).toBeGreaterThan(0);

      const rpo = await api<{ items: { schedule: string; state: string }[] }>(server, '/api/v1/rpo');
      expect(rpo.status).toBe(200);
      expect(rpo.body.items.find((i) => i.schedule === s3)?.state).toMatch(/^(OK|AT_RISK)$/);
      const listed = await api<{ items: { name: string; location: string }[] }>(
        server,
        `/api/v1/backups?location=azure&schedule=${az}`,
      );
      expect(listed.body.items.length).toBeGreaterThanOrEqual(onAzure.length);
      const one = await api<{ name: string; phase: string }>(server, `/api/v1/backups/${onAzure[0]!.name}`);
      expect(one.body).toMatchObject({ name: onAzure[0]!.name, phase: 'Completed' });
      const sch = await api<{ items: { spec: { name: string } }[] }>(server, '/api/v1/schedules');
      expect(sch.body.items.map((i) => i.spec.name).sort()).toEqual([az, s3].sort());
      expect((await api<{ items: unknown[] }>(server, '/api/v1/locations')).body.items).toHaveLength(3);

      // Auth: missing and wrong tokens are refused; probes stay open, /metrics needs the token.
      expect((await api(server, '/api/v1/backups', {}, null)).status).toBe(401);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      expect((await api(server, '/api/v1/backups', {}, 'not-the-token')).status).toBe(401);
      expect((await api(server, '/api/v1/rpo', {}, `${TOKEN}x`)).status).toBe(401);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

      // Bad bodies: 400 naming the field.
      const bad = await api<{ field: string }>(server, '/api/v1/backups', {
        method: 'POST',
        body: JSON.stringify({ ttl: 'soon' }),
      });
      expect(bad).toMatchObject({ status: 400, body: { field: 'ttl' } });
      const mixed = await api<{ field: string }>(server, '/api/v1/backups', {
        method: 'POST',
        body: JSON.stringify({ schedule: az, name: 'x' }),
      });
      expect(mixed).toMatchObject({ status: 400, body: { field: 'name' } });
      const restore = await api<{ field: string }>(server, '/api/v1/restores', {
        method: 'POST',
        body: JSON.stringify({ dryRun: 'yes' }),
      });
      expect(restore).toMatchObject({ status: 400, body: { field: 'dryRun' } });
      const noWorkers = await api<{ field: string }>(server, '/api/v1/restores', {
        method: 'POST',
        body: JSON.stringify({ backupName: 'x', parallelism: 0 }),
      });
      expect(noWorkers).toMatchObject({ status: 400, body: { field: 'parallelism' } });
      const badGlob = await api<{ field: string; message: string }>(server, '/api/v1/restores', {
        method: 'POST',
        body: JSON.stringify({ backupName: 'x', includedNamespaces: ['app-*', '[z-a]'] }),
      });
      expect(badGlob).toMatchObject({ status: 400, body: { field: 'includedNamespaces' } });
      expect(badGlob.body.message).toMatch(/reversed/);
      const badTemplate = await api<{ field: string }>(server, '/api/v1/backups', {
        method: 'POST',
        body: JSON.stringify({ template: { excludedNamespaces: ['ns-[a'] } }),
      });
      expect(badTemplate).toMatchObject({ status: 400, body: { field: 'template.excludedNamespaces' } });
      // Not a restore accepted and failing in the background: the caller hears it.
      const badSelector = await api(server, '/api/v1/restores', {
        method: 'POST',
        body: JSON.stringify({ backupName: 'x', labelSelector: 'app = = web' }),
      });
      expect(badSelector.status).toBe(400);
      const unknownSchedule = await api(server, '/api/v1/backups', {
        method: 'POST',
        body: JSON.stringify({ schedule: 'nope' }),
      });
      expect(unknownSchedule.status).toBe(404);

      // A restore dry run plans against the standby cluster and writes nothing.
      const plan = await api<{ phase: string; backup: string }>(server, '/api/v1/restores', {
        method: 'POST',
        body: JSON.stringify({
          backupName: onAzure[0]!.name,
          storageLocation: 'azure',
          dryRun: true,
          parallelism: 16,
          restoreStatus: ['widgets'],
        }),
      });
      expect(plan).toMatchObject({ status: 200, body: { phase: 'DryRun', backup: onAzure[0]!.name } });
      const restores = await api<{ items: unknown[] }>(server, '/api/v1/restores?location=azure');
      expect(restores).toMatchObject({ status: 200, body: { items: [] } });

      // An ad-hoc backup through the API.
      const adhoc = await api<{ name: string }>(server, '/api/v1/backups', {
        method: 'POST',
        body: JSON.stringify({ name: `api-${suffix}`, storageLocation: 'fs', template }),
      });
      expect(adhoc.status).toBe(202);
      await eventually('ad-hoc backup stored', async () =>
        (await storedBackups('fs')).find((b) => b.name === `api-${suffix}` && b.phase === 'Completed'),
      );
      // Like backup create, API and scheduled backups store the cluster profile.
      const files = await readdir(join(locations.fsRoot, 'backups', `api-${suffix}`));
      expect(files).toContain(`api-${suffix}-cluster-profile.json.gz`);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 150_000);

  it('SIGTERM mid-backup leaves Completed or Failed backups, never unfinished ones; crash leftovers are marked Failed', async () => {
    const name = `term-${suffix}`;
    // kube-system and the cluster's own resources: long enough to be caught mid-run, and never the pods
    // other test files create (their pod volumes and hooks would make a backup PartiallyFailed).
    const wide = { includedNamespaces: ['kube-system'], includeClusterResources: true };
    await addSchedules([{ name, schedule: '* * * * * *', storageLocation: 'fs', template: wide }]);
    // A crash leftover: objects of a backup but no velero-backup.json.
    const orphan = `${name}-20200101000000`;
    await mkdir(join(locations.fsRoot, 'backups', orphan), { recursive: true });
    await writeFile(join(locations.fsRoot, 'backups', orphan, `${orphan}.tar.gz`), 'partial');
    const server = await serve([
      '--kubeconfig',
      source,
      '--sync-period',
      '1s',
      '--shutdown-grace',
      '0s',
      '--orphan-grace',
      '0s',
    ]);
    const inProgress = await eventually(
      'a backup in progress',
      async () => {
        const r = await api<{ items: { name: string; phase: string }[] }>(
          server,
          `/api/v1/backups?schedule=${name}`,
        );
        return r.body.items.find((b) => b.phase === 'InProgress')?.name;
      },
      { intervalMs: 20, timeoutMs: 30_000 },
    );
    expect(await server.stop()).toBe(0);
    const folders = (await readdir(join(locations.fsRoot, 'backups'))).filter((n) =>
      n.startsWith(`${name}-`),
    );
    expect(folders).toContain(orphan);
    // The backup running at SIGTERM ended Completed, or Failed with "interrupted" — it is not lost.
    expect(folders).toContain(inProgress);
    const phases: string[] = [];
    for (const folder of folders) {
      const json = JSON.parse(
        await readFile(join(locations.fsRoot, 'backups', folder, 'velero-backup.json'), 'utf8'),
      ) as {
        status: { phase: string; failureReason?: string };
      };
      phases.push(json.status.phase);
      expect(['Completed', 'Failed']).toContain(json.status.phase);
      if (json.status.phase === 'Failed') expect(json.status.failureReason).toMatch(/^interrupted/);
    }
    expect(phases.filter((p) => p === 'Failed').length).toBeGreaterThanOrEqual(1);
    const listed = await storedBackups('fs');
    expect(listed.find((b) => b.name === orphan)?.phase).toBe('Failed');
  }, 90_000);
});
