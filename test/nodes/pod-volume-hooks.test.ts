/**
 * Velero's backup hooks on a REAL node: the API server runs them through pods/exec on the harness
 * kubelet (reached on 127.0.0.1, with the cluster CA's client certificate: test/harness/node.ts,
 * control-plane.ts). A pre hook writes into the volume and the snapshot the agent takes holds what
 * it wrote; the post hook runs after the snapshot. A pre hook failing with on-error Fail keeps the
 * pod's volume out (PartiallyFailed naming the pod, the hook and the exit code); a Continue hook
 * that cannot run lets the volume be backed up and is an error of the backup, as in Velero. The
 * backup spec's resource hooks (`--hooks-file`, Velero's spec.hooks) run the same way on the pods
 * they select, and are recorded in velero-backup.json.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import { busyboxContainer, busyboxPod, onlyNode, podVolumeDir } from '../helpers/nodes.ts';
import { kopiaRestore, readPodVolumeBackups } from '../helpers/real-pod-volumes.ts';

const env = inject('harness');
const kubeconfig = env.clusters['source']!.kubeconfig;
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const node = onlyNode(env.clusters['source']?.nodes, 'source');
const good = uniqueName('hook-ok');
const failing = uniqueName('hook-fail');
const continuing = uniqueName('hook-cont');
const specGood = uniqueName('hook-spec');
const specFailing = uniqueName('hook-spec-fail');
let work = '';
let bucket = '';
let cliEnv: Record<string, string> = {};

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], { env: cliEnv, timeoutMs: 170_000 });

const backup = (name: string, namespace: string, ...more: string[]) =>
  lifeboat('backup', 'create', name, '--kubeconfig', kubeconfig, '--include-namespaces', namespace, ...more);

/** A busybox pod on the node with an emptyDir at /data, opted in to file-system backup. */
async function hookPod(
  namespace: string,
  annotations: Record<string, string>,
  labels: Record<string, string> = {},
): Promise<V1Pod> {
  await client.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: namespace } } });
  const pod = busyboxPod('db', {
    node: node.name,
    containers: [
      busyboxContainer('app', 'trap "exit 0" TERM; while true; do sleep 1; done', [
        { name: 'data', mountPath: '/data' },
      ]),
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
  });
  pod.metadata = {
    name: 'db',
    labels,
    annotations: { 'backup.velero.io/backup-volumes': 'data', ...annotations },
  };
  await client.json({ method: 'POST', path: `/api/v1/namespaces/${namespace}/pods`, body: pod });
  return eventually(
    `pod ${namespace}/db Running`,
    async () => {
      const got = await client.json<V1Pod>({ path: `/api/v1/namespaces/${namespace}/pods/db` });
      return got.status?.phase === 'Running' ? got : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 300 },
  );
}

async function results(name: string): Promise<string> {
  const described = await lifeboat('backup', 'describe', name, '--details');
  expect(described.status, described.stderr).toBe(0);
  return described.stdout;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lifeboat-hooks-'));
  const s3 = env.s3;
  if (s3 === undefined) throw new Error('start the nodes harness with --s3');
  bucket = await createS3Bucket(s3);
  const credentials = await writeS3Credentials(join(work, 'cloud'), s3);
  await writeFile(join(work, 'config.yaml'), s3LocationConfig(s3, bucket, credentials));
  cliEnv = { LIFEBOAT_CONFIG: join(work, 'config.yaml'), LIFEBOAT_NAMESPACE: AGENT_NAMESPACE };
  await importLifeboatImage([node]);
  await deployAgent(client, { node, apiServer: env.clusters['source']!.server, s3, bucket });
}, 300_000);

afterAll(async () => {
  for (const ns of [good, failing, continuing, specGood, specFailing])
    await client.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  client.close();
  await rm(work, { recursive: true, force: true });
});

describe('backup hooks on a real node', () => {
  it('a pre hook writes into the volume before its snapshot; the post hook runs after it', async () => {
    const pod = await hookPod(good, {
      'pre.hook.backup.velero.io/command': '["sh","-c","echo frozen > /data/hook"]',
      'post.hook.backup.velero.io/command': '["sh","-c","echo thawed > /data/post"]',
    });
    const run = await backup(`${good}-b`, good);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const described = await results(`${good}-b`);
    expect(described).toMatch(/Phase:\s+Completed/);
    expect(described).toContain('HooksAttempted: 2');
    expect(described).toContain('HooksFailed:    0');

    const pvbs = (await readPodVolumeBackups(env.s3!, bucket, `${good}-b`)) as {
      status: { phase: string; snapshotID: string };
    }[];
    expect(pvbs.map((p) => p.status.phase)).toEqual(['Completed']);
    const target = join(work, 'restored');
    await kopiaRestore(work, env.s3!, bucket, good, pvbs[0]?.status.snapshotID ?? '', target);
    expect(await readFile(join(target, 'hook'), 'utf8')).toBe('frozen\n');
    await expect(readFile(join(target, 'post'), 'utf8')).rejects.toThrow(/ENOENT/);
    const live = podVolumeDir(node, pod, 'empty-dir', 'data');
    expect(await readFile(join(live, 'post'), 'utf8')).toBe('thawed\n');
  });

  it('a pre hook failing with on-error Fail keeps the volume out: PartiallyFailed naming the pod, hook and exit code', async () => {
    await hookPod(failing, {
      'pre.hook.backup.velero.io/command': '["sh","-c","echo no space >&2; exit 3"]',
    });
    const run = await backup(`${failing}-b`, failing);
    expect(run.status, run.stdout + run.stderr).toBe(3);
    const described = await results(`${failing}-b`);
    expect(described).toMatch(/Phase:\s+PartiallyFailed/);
    expect(described).toContain(
      `${failing}: resource: /pods name: /db message: /Error executing hook: pre hook ["sh","-c","echo no space >&2; exit 3"] in container app failed (on-error Fail)`,
    );
    expect(described).toContain('error: /command terminated with exit code 3: no space');
    expect(described).toContain('HooksFailed:    1 (see Errors)');
    expect(await readPodVolumeBackups(env.s3!, bucket, `${failing}-b`)).toBeNull();
  });

  it('a Continue hook that cannot run lets the volume be backed up, and is an error of the backup', async () => {
    await hookPod(continuing, {
      'pre.hook.backup.velero.io/command': '/no/such/binary',
      'pre.hook.backup.velero.io/on-error': 'Continue',
    });
    const run = await backup(`${continuing}-b`, continuing);
    expect(run.status, run.stdout + run.stderr).toBe(3);
    const described = await results(`${continuing}-b`);
    expect(described).toContain(
      'Error executing hook: pre hook ["/no/such/binary"] in container app failed (on-error Continue)',
    );
    const pvbs = (await readPodVolumeBackups(env.s3!, bucket, `${continuing}-b`)) as {
      status: { phase: string };
    }[];
    expect(pvbs.map((p) => p.status.phase)).toEqual(['Completed']);
  });

  it("the backup spec's pre hook writes into the volume before its snapshot, and is recorded", async () => {
    const pod = await hookPod(specGood, {}, { app: 'db' });
    const hooksFile = join(work, 'spec-hooks.yaml');
    await writeFile(
      hooksFile,
      [
        'resources:',
        '  - name: freeze',
        `    includedNamespaces: [${specGood}]`,
        '    labelSelector: {matchLabels: {app: db}}',
        '    pre:',
        '      - exec: {command: [sh, -c, "echo spec-frozen > /data/spec-hook"], timeout: 1m}',
        '    post:',
        '      - exec: {container: app, command: [sh, -c, "echo spec-thawed > /data/spec-post"]}',
        '  - name: other-pods',
        '    labelSelector: {matchLabels: {app: web}}',
        '    pre:',
        '      - exec: {command: [sh, -c, "exit 9"]}',
        '',
      ].join('\n'),
    );
    const run = await backup(`${specGood}-b`, specGood, '--hooks-file', hooksFile);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const described = await results(`${specGood}-b`);
    expect(described).toMatch(/Phase:\s+Completed/);
    expect(described).toContain('HooksAttempted: 2');
    expect(described).toContain('HooksFailed:    0');
    expect(described).toContain('    freeze:');
    expect(described).toContain(
      '        - container <first>, command ["sh","-c","echo spec-frozen > /data/spec-hook"], on error Fail, timeout 1m0s',
    );

    const pvbs = (await readPodVolumeBackups(env.s3!, bucket, `${specGood}-b`)) as {
      status: { phase: string; snapshotID: string };
    }[];
    expect(pvbs.map((p) => p.status.phase)).toEqual(['Completed']);
    const target = join(work, 'restored-spec');
    await kopiaRestore(work, env.s3!, bucket, specGood, pvbs[0]?.status.snapshotID ?? '', target);
    expect(await readFile(join(target, 'spec-hook'), 'utf8')).toBe('spec-frozen\n');
    await expect(readFile(join(target, 'spec-post'), 'utf8')).rejects.toThrow(/ENOENT/);
    const live = podVolumeDir(node, pod, 'empty-dir', 'data');
    expect(await readFile(join(live, 'spec-post'), 'utf8')).toBe('spec-thawed\n');
  });

  it('a failing Fail spec hook keeps the volume out, naming the pod, the hook, the exit code and stderr', async () => {
    await hookPod(specFailing, {}, { app: 'db' });
    const hooksFile = join(work, 'spec-fail.json');
    const hooks = {
      resources: [
        {
          name: 'quiesce',
          includedResources: ['pods'],
          pre: [
            { exec: { command: ['sh', '-c', 'echo table locked >&2; exit 5'], onError: 'Fail' } },
            { exec: { command: ['sh', '-c', 'echo never > /data/never'] } },
          ],
        },
      ],
    };
    await writeFile(hooksFile, JSON.stringify(hooks));
    const run = await backup(`${specFailing}-b`, specFailing, '--hooks-file', hooksFile);
    expect(run.status, run.stdout + run.stderr).toBe(3);
    const described = await results(`${specFailing}-b`);
    expect(described).toMatch(/Phase:\s+PartiallyFailed/);
    expect(described).toContain(
      `${specFailing}: resource: /pods name: /db message: /Error executing hook: pre hook "quiesce" ["sh","-c","echo table locked >&2; exit 5"] in container app failed (on-error Fail)`,
    );
    expect(described).toContain('error: /command terminated with exit code 5: table locked');
    // The second hook is not run after the failure: attempted, not failed, as Velero counts it.
    expect(described).toContain('HooksAttempted: 2');
    expect(described).toContain('HooksFailed:    1 (see Errors)');
    expect(await readPodVolumeBackups(env.s3!, bucket, `${specFailing}-b`)).toBeNull();
  });
});
