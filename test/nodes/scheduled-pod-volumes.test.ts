/**
 * Schedules and the server's API back up pod volumes on a REAL node: a schedule stored with
 * `schedule create --default-volumes-to-fs-backup` and an ad-hoc API backup whose template sets
 * `defaultVolumesToFsBackup` both carry Velero's spec field into velero-backup.json and take the
 * volumes of a pod that has no opt-in annotation through the agent DaemonSet (deployed from
 * deploy/ with lifeboat's image); the same API backup without the field takes none.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { runCli } from '../helpers/cli.ts';
import { eventually, uniqueName } from '../helpers/kube.ts';
import { createS3Bucket, writeS3Credentials } from '../helpers/locations.ts';
import {
  AGENT_NAMESPACE,
  deployAgent,
  importLifeboatImage,
  s3LocationConfig,
} from '../helpers/node-agent.ts';
import { containerLog, onlyNode } from '../helpers/nodes.ts';
import { readPodVolumeBackups, volumePod } from '../helpers/real-pod-volumes.ts';
import { startServer, type ServerProcess } from '../helpers/server.ts';

const env = inject('harness');
const node = onlyNode(env.clusters['source']?.nodes, 'source');
const kubeconfig = env.clusters['source']!.kubeconfig;
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const ns = uniqueName('sched-fsb');
const TOKEN = randomBytes(24).toString('hex');
let work = '';
let bucket = '';
let cliEnv: Record<string, string> = {};
let server: ServerProcess | undefined;

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], { env: cliEnv, timeoutMs: 170_000 });

async function veleroBackupSpec(backup: string): Promise<Record<string, unknown>> {
  const s3 = env.s3!;
  const s3Client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const got = await s3Client.send(
      new GetObjectCommand({ Bucket: bucket, Key: `backups/${backup}/velero-backup.json` }),
    );
    const text = (await got.Body?.transformToString()) ?? '{}';
    return (JSON.parse(text) as { spec: Record<string, unknown> }).spec;
  } finally {
    s3Client.destroy();
  }
}

interface PodVolumeBackupRecord {
  spec: { volume: string; pod: { name: string } };
  status: { phase: string; snapshotID: string };
}

async function volumesOf(backup: string): Promise<string[]> {
  const pvbs = ((await readPodVolumeBackups(env.s3!, bucket, backup)) ?? []) as PodVolumeBackupRecord[];
  for (const p of pvbs) expect(p.status.snapshotID).toMatch(/^k?[0-9a-f]{32,}$/);
  return pvbs.map((p) => `${p.spec.pod.name}/${p.spec.volume} ${p.status.phase}`).sort();
}

async function api<T>(url: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Starts a backup through the API and waits until the server has synced it in a final phase. */
async function apiBackup(url: string, body: unknown): Promise<{ name: string; phase: string }> {
  // Until its first sync and its scheduler run, the server answers 503.
  const started = await eventually(
    'the server accepting the backup',
    async () => {
      const answer = await api<{ name: string }>(url, '/api/v1/backups', body);
      return answer.status === 503 ? undefined : answer;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return eventually(
    `backup ${started.body.name} finished`,
    async () => {
      const got = await api<{ name: string; phase: string }>(url, `/api/v1/backups/${started.body.name}`);
      return got.status === 200 && !['InProgress', 'New'].includes(got.body.phase) ? got.body : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 1000 },
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lifeboat-sched-fsb-'));
  const s3 = env.s3;
  if (s3 === undefined) throw new Error('start the nodes harness with --s3');
  bucket = await createS3Bucket(s3);
  const credentials = await writeS3Credentials(join(work, 'cloud'), s3);
  await writeFile(join(work, 'config.yaml'), s3LocationConfig(s3, bucket, credentials));
  cliEnv = { LIFEBOAT_CONFIG: join(work, 'config.yaml'), LIFEBOAT_NAMESPACE: AGENT_NAMESPACE };
  await importLifeboatImage([node]);
  await deployAgent(client, { node, apiServer: env.clusters['source']!.server, s3, bucket });
  await client.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  // No opt-in annotation: only defaultVolumesToFsBackup takes its volume.
  const pod = volumePod('db', [{ name: 'cache', emptyDir: {} }], ['cache']) as { metadata: object };
  pod.metadata = { name: 'db' };
  await client.json({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod });
  await eventually(
    'the pod wrote its volume',
    async () => {
      const got = await client.json<V1Pod>({ path: `/api/v1/namespaces/${ns}/pods/db` });
      if (got.status?.phase !== 'Running') return undefined;
      return /WRITTEN/.test(await containerLog(node, got, 'app').catch(() => '')) ? true : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await client.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  client.close();
  await rm(work, { recursive: true, force: true });
});

describe('schedules and the API back up pod volumes with defaultVolumesToFsBackup', () => {
  it('schedule create --default-volumes-to-fs-backup: its run stores the flag and the volume', async () => {
    const created = await lifeboat(
      ...['schedule', 'create', 'nightly', '--schedule', '@daily', '--include-namespaces', ns],
      ...['--default-volumes-to-fs-backup', '--pod-volume-timeout', '3m'],
    );
    expect(created.status, created.stderr).toBe(0);
    const listed = await lifeboat('schedule', 'get', 'nightly', '-o', 'json');
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { template: { includedNamespaces: [ns], defaultVolumesToFsBackup: true, podVolumeTimeout: '3m' } },
    ]);
    const run = await lifeboat('backup', 'create', '--from-schedule', 'nightly', '--kubeconfig', kubeconfig);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const name = /Backup "(nightly-\d{14})"/.exec(run.stdout)?.[1] ?? '';
    expect(name, run.stdout).not.toBe('');
    expect(await veleroBackupSpec(name)).toMatchObject({ defaultVolumesToFsBackup: true });
    expect(await volumesOf(name)).toEqual(['db/cache Completed']);
  });

  it("the server's scheduled run and an API backup with the template field take the volume; without it, none", async () => {
    server = await startServer({
      args: ['--kubeconfig', kubeconfig, '--sync-period', '1s'],
      env: { ...cliEnv, LIFEBOAT_API_TOKEN: TOKEN },
      globals: ['--log-level', 'info'],
    });
    const url = server.url;
    const scheduled = await apiBackup(url, { schedule: 'nightly' });
    expect(scheduled.phase).toBe('Completed');
    expect(await veleroBackupSpec(scheduled.name)).toMatchObject({ defaultVolumesToFsBackup: true });
    expect(await volumesOf(scheduled.name)).toEqual(['db/cache Completed']);

    const template = { includedNamespaces: [ns] };
    const adhoc = await apiBackup(url, {
      name: `${ns}-api`,
      template: { ...template, defaultVolumesToFsBackup: true, podVolumeTimeout: '3m' },
    });
    expect(adhoc.phase).toBe('Completed');
    expect(await veleroBackupSpec(adhoc.name)).toMatchObject({ defaultVolumesToFsBackup: true });
    expect(await volumesOf(adhoc.name)).toEqual(['db/cache Completed']);

    const without = await apiBackup(url, { name: `${ns}-plain`, template });
    expect(without.phase).toBe('Completed');
    expect(await veleroBackupSpec(without.name)).toMatchObject({ defaultVolumesToFsBackup: false });
    expect(await volumesOf(without.name)).toEqual([]);
  });
});
